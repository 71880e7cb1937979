/**
 * The public site in a real browser (Debian's Chromium): home, /models with filters applied
 * (with JS, and the same form without it), a model page with its snippet tabs and copy buttons,
 * the theme toggle remembered across a reload, and a crawl of the sitemap. Every page is checked
 * with axe-core at 1280 and 375 px in light and dark, captured in both themes
 * (test-results/screenshots), and loads at most 100 KB of JavaScript.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import {
  assertAccessible,
  browserUnavailable,
  countScripts,
  launchBrowser,
  SCRIPT_BUDGET_BYTES,
  screenshots,
  seriousViolations,
} from '../helpers/browser.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const skip = browserUnavailable()
if (skip !== undefined) console.log(`# ${skip}`)

function catalog() {
  return [
    {
      id: 'sim-echo',
      name: 'Sim Echo',
      context_length: 128000,
      max_output_tokens: 4096,
      capabilities: ['streaming', 'tools'],
      offers: [
        offer('sim', {
          price: { prompt: '0.10', completion: '0.40', cached_input: '0.05' },
          published: true,
        }),
        offer('sim', { lane: 'resale', price: { prompt: '0.50', completion: '1.50' }, published: true }),
        offer('sim', {
          lane: 'byok',
          price: { prompt: '0', completion: '0', request: '0.0001' },
          published: true,
        }),
      ],
    },
    {
      id: 'sim-vision-large',
      name: 'Sim Vision Large',
      owned_by: 'simlabs',
      context_length: 1000000,
      modalities: { input: ['text', 'image', 'file'], output: ['text'] },
      capabilities: ['vision', 'json_mode', 'streaming'],
      offers: [
        offer('sim', {
          lane: 'resale',
          price: { prompt: '2.50', completion: '10', cached_input: '1.25' },
          published: true,
        }),
      ],
    },
    {
      id: 'secret-model',
      name: 'Secret Model',
      offers: [offer('sim', { price: { prompt: '7.77', completion: '9.99' }, published: false })],
    },
  ]
}

/** axe-core at desktop and phone width, light and dark; then screenshots in both themes. */
async function checkPage(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await assertAccessible(page, name, [
      [colorScheme, 1280],
      [colorScheme, 375],
    ])
    await page.emulateMedia({ colorScheme })
    await screenshots(page, `site-${name}-${colorScheme}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

describe('public site in Chromium', { skip }, () => {
  let gateway: TestGateway
  let browser: Browser
  let context: BrowserContext

  before(async () => {
    gateway = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim', sim: { latency_ms: 0 } }],
      models: catalog(),
      site: {
        name: 'OneKeyModels',
        tagline: 'Every model, priced by lane.',
        support_email: 'help@example.test',
        legal: { terms_url: '/terms', privacy_url: 'https://example.test/privacy' },
        lane_names: { cheap: 'Budget', resale: 'Business', byok: 'BYOK' },
      },
    })
    browser = await launchBrowser()
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  })
  after(async () => {
    await context?.close()
    await browser?.close()
    await gateway?.close()
  })

  test('home: lanes, first request, theme toggle remembered; accessible; ≤ 100 KB of JS', async () => {
    const page = await context.newPage()
    const scriptBytes = countScripts(page)
    // A CSP refusal (an inline script or style slipped in) or a script error shows up here.
    const errors: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    page.on('pageerror', (error) => errors.push(error.message))
    const answer = await page.goto(`${gateway.url}/`)
    assert.equal(answer?.status(), 200)
    assert.equal(await page.title(), 'OneKeyModels')
    await page.getByRole('heading', { level: 1, name: 'Every model, priced by lane.' }).waitFor()
    for (const lane of ['Budget', 'Business', 'BYOK']) {
      await page.getByRole('heading', { level: 3, name: lane, exact: true }).waitFor()
    }
    await page.getByRole('tab', { name: 'curl' }).waitFor()
    assert.match(
      (await page.locator('[role=tabpanel]:not([hidden]) code').textContent()) ?? '',
      /cheap\/sim-echo/,
    )
    assert.ok(scriptBytes() > 0 && scriptBytes() <= SCRIPT_BUDGET_BYTES, `home JS ${scriptBytes()} bytes`)
    await checkPage(page, 'home')

    // The theme toggle cycles system → light → dark and the choice survives a reload.
    const toggle = page.getByRole('button', { name: /Colour theme/ })
    await toggle.click()
    await toggle.click()
    assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark')
    await page.reload()
    assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark')
    assert.equal(await page.getByRole('button', { name: 'Colour theme: dark' }).count(), 1)
    assert.deepEqual(await seriousViolations(page), [])
    await toggle.click()
    assert.equal(await page.evaluate('document.documentElement.dataset.theme ?? null'), null)
    for (const path of ['/models', '/models/sim-echo']) await page.goto(`${gateway.url}${path}`)
    assert.deepEqual(errors, [])
    await page.close()
  })

  test('models: filters narrow the list with JS and without it; accessible', async () => {
    const page = await context.newPage()
    const scriptBytes = countScripts(page)
    await page.goto(`${gateway.url}/models`)
    assert.equal(await page.title(), 'Models and prices · OneKeyModels')
    const visible = () => page.locator('[data-model-row]:not([hidden]) h2').allTextContents()
    assert.deepEqual(await visible(), ['Sim Echo', 'Sim Vision Large', 'Secret Model'])
    assert.equal((await page.getByText('quote on request').count()) > 0, true)
    await checkPage(page, 'models')

    await page.getByLabel('Search').fill('vision')
    assert.deepEqual(await visible(), ['Sim Vision Large'])
    assert.equal(new URL(page.url()).searchParams.get('q'), 'vision')
    await page.getByLabel('Search').fill('')
    await page.getByLabel('Lane', { exact: true }).selectOption('byok')
    assert.deepEqual(await visible(), ['Sim Echo'])
    await page.getByLabel('Lane', { exact: true }).selectOption('')
    await page.getByLabel('Max input $ / 1M tokens').fill('1')
    assert.deepEqual(await visible(), ['Sim Echo'], 'an unpublished price never passes a max price')
    await page.getByLabel('Max input $ / 1M tokens').fill('')
    await page.getByLabel('Modality').selectOption('file')
    assert.deepEqual(await visible(), ['Sim Vision Large'])
    assert.equal(await page.locator('[data-model-count]').textContent(), '1 model')
    assert.ok(scriptBytes() <= SCRIPT_BUDGET_BYTES, `models JS ${scriptBytes()} bytes`)
    await screenshots(page, 'site-models-filtered')
    await page.close()

    // Without JS the same GET form filters on the server.
    const noJs = await browser.newContext({ javaScriptEnabled: false })
    const plain = await noJs.newPage()
    await plain.goto(`${gateway.url}/models`)
    await plain.getByLabel('Provider').selectOption('simlabs')
    await plain.getByRole('button', { name: 'Filter' }).click()
    await plain.waitForURL(/provider=simlabs/)
    assert.deepEqual(await plain.locator('[data-model-row]:not([hidden]) h2').allTextContents(), [
      'Sim Vision Large',
    ])
    await noJs.close()
  })

  test('a model page: per-lane table, snippet tabs with arrow keys, copy buttons; accessible', async () => {
    const page = await context.newPage()
    await page.goto(`${gateway.url}/models/sim-echo`)
    assert.equal(await page.title(), 'Sim Echo prices by lane · OneKeyModels')
    const table = page.getByRole('region', { name: 'Sim Echo: prices by lane' })
    assert.match((await table.textContent()) ?? '', /\$0\.10[\s\S]*\$0\.40[\s\S]*\$0\.50[\s\S]*\$1\.50/)
    const tabs = page.getByRole('tablist', { name: 'Budget snippets' })
    await tabs.getByRole('tab', { name: 'curl' }).click()
    await page.keyboard.press('ArrowRight')
    const python = tabs.getByRole('tab', { name: 'Python' })
    assert.equal(await python.getAttribute('aria-selected'), 'true')
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Python')
    const panel = page.locator(`#${await python.getAttribute('aria-controls')}`)
    assert.match(
      (await panel.textContent()) ?? '',
      new RegExp(`base_url="${gateway.url}/v1"[\\s\\S]*model="cheap/sim-echo"`),
    )
    await page.keyboard.press('End')
    assert.equal(await tabs.getByRole('tab', { name: 'TypeScript' }).getAttribute('aria-selected'), 'true')
    assert.equal(
      await page.locator('.copy-button').count(),
      9,
      'a copy button on each snippet (3 lanes × 3 languages)',
    )
    await checkPage(page, 'model')

    await page.goto(`${gateway.url}/models/secret-model`)
    const hidden = (await page.locator('main').textContent()) ?? ''
    assert.doesNotMatch(hidden, /\$\s?\d/, 'no price figure for an unpublished model')
    await checkPage(page, 'model-unpublished')

    const missing = await page.goto(`${gateway.url}/models/nothing-here`)
    assert.equal(missing?.status(), 404)
    await page.getByRole('heading', { level: 1, name: 'Model not found' }).waitFor()
    assert.deepEqual(await seriousViolations(page), [])
    await page.close()
  })

  test('sitemap crawl: every page loads, its internal links answer, no serious axe violation', async () => {
    const page = await context.newPage()
    const sitemap = await (await fetch(`${gateway.url}/sitemap.xml`)).text()
    const urls = [...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((match) => match[1]!)
    assert.ok(urls.length >= 5)
    const checked = new Set<string>()
    for (const url of urls) {
      if (url.startsWith(`${gateway.url}/docs`)) {
        // The docs and the API reference are crawled, axe-checked and captured by their own tests.
        const response = await fetch(url)
        assert.equal(response.status, 200, url)
        await response.arrayBuffer()
        continue
      }
      const answer = await page.goto(url)
      assert.equal(answer?.status(), 200, url)
      assert.deepEqual(await seriousViolations(page), [], url)
      const links = (await page.$$eval('a[href^="/"]', (anchors) =>
        anchors.map((anchor) => anchor.getAttribute('href') ?? ''),
      )) as string[]
      for (const href of links) {
        // The console and the docs are other pages' concern (their own tests crawl them).
        if (href.startsWith('/console/') || href.startsWith('/docs') || checked.has(href)) continue
        checked.add(href)
        if (href === '/terms') continue // an operator's own legal page, configured above, not served by the gateway
        const response = await fetch(`${gateway.url}${href}`)
        assert.equal(response.status, 200, `${url} links to ${href}`)
        await response.arrayBuffer()
      }
      for (const anchor of await page.$$eval('a[href^="#"]', (anchors) =>
        anchors.map((item) => item.getAttribute('href')!.slice(1)),
      )) {
        assert.equal(await page.locator(`[id="${anchor}"]`).count(), 1, `${url}#${anchor}`)
      }
    }
    await page.close()
  })
})

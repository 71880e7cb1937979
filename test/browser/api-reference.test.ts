/**
 * `/docs/api` in a real browser (Debian's Chromium): it renders for an anonymous visitor from
 * the gateway's own `/openapi.json` (one block per operation, one section per tag), every
 * in-page anchor resolves, curl examples carry the deployment's base URL, axe-core finds no
 * serious violation at 1280 and 375 px in light and dark, the page loads at most 100 KB of
 * JavaScript, and screenshots go to test-results/screenshots.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import {
  browserUnavailable,
  countScripts,
  launchBrowser,
  SCREENSHOT_DIRECTORY,
  SCRIPT_BUDGET_BYTES,
  seriousViolations,
} from '../helpers/browser.ts'
import { type Json, offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const skip = browserUnavailable()
if (skip !== undefined) console.log(`# ${skip}`)
const run = promisify(execFile)

describe('/docs/api in Chromium', { skip }, () => {
  let gateway: TestGateway
  let browser: Browser
  let context: BrowserContext

  before(async () => {
    gateway = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim', sim: { latency_ms: 0 } }],
      models: [
        {
          id: 'sim-echo',
          name: 'Sim Echo',
          offers: [offer('sim', { price: { prompt: '0.10', completion: '0.40' }, published: true })],
        },
      ],
      site: { name: 'OneAI', tagline: 'One key, every model.' },
    })
    browser = await launchBrowser()
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  })
  after(async () => {
    await context?.close()
    await browser?.close()
    await gateway?.close()
  })

  test('renders every operation of /openapi.json for an anonymous visitor; anchors resolve; accessible', {
    timeout: 240_000,
  }, async () => {
    const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as Json
    const operations = Object.values(document.paths as Json).flatMap((item) =>
      Object.values(item as Json),
    ) as Json[]
    const page = await context.newPage()
    const scriptBytes = countScripts(page)
    const answer = await page.goto(`${gateway.url}/docs/api`)
    assert.equal(answer?.status(), 200)
    assert.equal(await page.title(), 'API reference · OneAI')
    await page.getByRole('heading', { level: 1, name: 'API reference' }).waitFor()
    for (const tag of document.tags as Json[]) {
      assert.equal(
        await page.getByRole('heading', { level: 2, name: tag.name, exact: true }).count(),
        1,
        tag.name,
      )
    }
    for (const operation of operations) {
      const heading = page.locator(`h3[id="${operation.operationId}"]`)
      assert.equal(await heading.count(), 1, operation.operationId)
      assert.equal((await heading.textContent())?.trim(), operation.summary)
    }
    assert.equal(await page.locator('section.api-operation').count(), operations.length)

    // Every in-page link lands on an element with that id; the document link answers.
    const targets = await page.$$eval('a[href^="#"]', (links) =>
      links.map((link) => link.getAttribute('href')!.slice(1)),
    )
    assert.ok(targets.length > operations.length, `${targets.length} in-page links`)
    const missing = await page.evaluate(
      (ids: string[]) =>
        ids.filter(
          (id) =>
            (
              globalThis as unknown as { document: { getElementById(id: string): unknown } }
            ).document.getElementById(id) === null,
        ),
      targets,
    )
    assert.deepEqual(missing, [])
    const base = gateway.config.console.publicUrl.replace(/\/+$/, '')
    const curls = await page.locator('pre code.language-bash').allTextContents()
    assert.equal(curls.length, operations.length)
    for (const curl of curls) assert.ok(curl.startsWith(`curl '${base}/`), curl.slice(0, 80))
    assert.equal((await fetch(`${gateway.url}/openapi.json`)).status, 200)

    // The chat example runs as printed, with only the key supplied.
    const chatCurl = await page
      .locator('section.api-operation:has(h3#postV1ChatCompletions) pre code')
      .textContent()
    // Asynchronously: the gateway answers from this same process.
    const ran = await run('sh', ['-c', `${chatCurl} --silent --show-error --fail`], {
      env: { PATH: process.env.PATH, ONEKEY_API_KEY: gateway.apiKey },
      timeout: 20_000,
    })
    assert.equal(JSON.parse(ran.stdout).object, 'chat.completion')

    // A block reads as documented: the chat body's OneKey fields, with types and required marks.
    const chat = page.locator('section.api-operation', { has: page.locator('h3#postV1ChatCompletions') })
    for (const field of [
      'model',
      'messages',
      'models',
      'provider.order',
      'byok_conf.credentials',
      'usage.include',
    ]) {
      const requestTable = chat.locator('[aria-label="Request body of POST /v1/chat/completions"]')
      assert.equal(
        await requestTable
          .locator('th[scope=row] > code', { hasText: new RegExp(`^${field.replace('.', '\\.')}$`) })
          .count(),
        1,
        field,
      )
    }
    await page.locator('a[href="#postV1ChatCompletions"]').first().click()
    assert.equal(await page.evaluate('location.hash'), '#postV1ChatCompletions')
    assert.ok(scriptBytes() > 0 && scriptBytes() <= SCRIPT_BUDGET_BYTES, `JS ${scriptBytes()} bytes`)
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      for (const width of [1280, 375]) {
        await page.setViewportSize({ width, height: 800 })
        const violations = await seriousViolations(page)
        assert.deepEqual(violations, [], `${colorScheme} ${width}px: ${JSON.stringify(violations, null, 1)}`)
        // The top of the page, and one full operation block, as a person sees them.
        await page.evaluate('window.scrollTo(0, 0)')
        await page.screenshot({
          path: `${SCREENSHOT_DIRECTORY}/api-reference-top-${colorScheme}-${width}.png`,
        })
        await page.locator('h2#tag-inference').evaluate((element) => element.scrollIntoView())
        await page.screenshot({
          path: `${SCREENSHOT_DIRECTORY}/api-reference-tag-${colorScheme}-${width}.png`,
        })
        await chat.screenshot({
          path: `${SCREENSHOT_DIRECTORY}/api-reference-chat-${colorScheme}-${width}.png`,
        })
        // What a reader sees on arriving at the block from the contents.
        await page.locator('h3#postV1ChatCompletions').evaluate((element) => element.scrollIntoView())
        await page.screenshot({
          path: `${SCREENSHOT_DIRECTORY}/api-reference-chat-view-${colorScheme}-${width}.png`,
        })
        await chat.locator('pre').evaluate((element) => element.scrollIntoView({ block: 'end' }))
        await page.screenshot({
          path: `${SCREENSHOT_DIRECTORY}/api-reference-chat-end-${colorScheme}-${width}.png`,
        })
      }
    }
    await page.close()
  })

  test('the page follows the site switch: off, /docs/api is not the reference', async () => {
    const off = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }],
      site: { name: 'OneRouter', pages: { api_reference: false } },
    })
    try {
      const answer = await fetch(`${off.url}/docs/api`)
      assert.notEqual(answer.status, 200)
      assert.equal((await fetch(`${off.url}/openapi.json`)).status, 200)
    } finally {
      await off.close()
    }
  })
})

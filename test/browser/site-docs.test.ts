/**
 * The docs in a real browser (Debian's Chromium): every docs page is checked with axe-core at
 * 1280 and 375 px in light and dark, captured (test-results/screenshots/docs-*), and loads at
 * most 100 KB of JavaScript; the quickstart's tabs switch with the keyboard, code blocks get
 * their copy button, the sidebar marks the current page, and heading anchors are links with an
 * accessible name.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { docsPaths } from '../../src/site/docs-pages.ts'
import {
  assertAccessible,
  browserUnavailable,
  countScripts,
  launchBrowser,
  SCRIPT_BUDGET_BYTES,
  screenshots,
} from '../helpers/browser.ts'
import { startDocsGateway } from '../helpers/docs-site.ts'
import type { TestGateway } from '../helpers/test-gateway.ts'

const skip = browserUnavailable()
if (skip !== undefined) console.log(`# ${skip}`)

/**
 * axe-core in light and dark at 1280 and 375 px: all four on the pages we capture, and on the
 * others light at 1280 and dark at 375 (each theme and each width once: axe on twenty pages four
 * times takes minutes on a shared machine).
 */
async function accessible(page: Page, name: string, full: boolean): Promise<void> {
  await assertAccessible(
    page,
    name,
    full
      ? [
          ['light', 1280],
          ['light', 375],
          ['dark', 1280],
          ['dark', 375],
        ]
      : [
          ['light', 1280],
          ['dark', 375],
        ],
  )
}

describe('docs in Chromium', { skip }, () => {
  let gateway: TestGateway
  let browser: Browser
  let context: BrowserContext
  // Screenshots of a few pages in both themes (every page would be slow on a shared machine).
  const CAPTURED = new Set([
    '/docs',
    '/docs/quickstart',
    '/docs/rate-limits',
    '/docs/errors',
    '/docs/configuration',
  ])

  before(async () => {
    gateway = await startDocsGateway({
      site: {
        name: 'OneKeyModels',
        support_email: 'help@example.test',
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

  test('every docs page: accessible in light and dark at 1280 and 375 px, ≤ 100 KB of JS', {
    timeout: 900_000,
  }, async () => {
    for (const path of docsPaths()) {
      const page = await context.newPage()
      const scriptBytes = countScripts(page)
      const answer = await page.goto(`${gateway.url}${path}`)
      assert.equal(answer?.status(), 200, path)
      await page.waitForLoadState('networkidle')
      assert.ok(scriptBytes() <= SCRIPT_BUDGET_BYTES, `${path}: ${scriptBytes()} bytes of JS`)
      // docs.css (loaded with the page) makes the sidebar's "Docs home" bold.
      const homeWeight = await page
        .locator('.docs-nav > a')
        .first()
        .evaluate((element) => {
          const view = globalThis as unknown as { getComputedStyle(e: unknown): { fontWeight: string } }
          return view.getComputedStyle(element).fontWeight
        })
      const stylesheetApplied = homeWeight === '600'
      assert.ok(stylesheetApplied, `${path}: the site and docs stylesheets load`)
      await accessible(page, path, CAPTURED.has(path))
      if (CAPTURED.has(path)) {
        const name = path === '/docs' ? 'index' : path.slice('/docs/'.length)
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme })
          await screenshots(page, `docs-${name}-${colorScheme}`)
        }
        await page.emulateMedia({ colorScheme: 'light' })
      }
      await page.close()
    }
  })

  test('quickstart: tabs by keyboard, copy buttons, current page, heading anchors', async () => {
    const page = await context.newPage()
    await page.goto(`${gateway.url}/docs/quickstart`)
    const nav = page.getByRole('navigation', { name: 'Docs' })
    assert.equal(await nav.locator('[aria-current="page"]').textContent(), 'Quickstart')
    const curl = page.getByRole('tab', { name: 'curl' }).first()
    await curl.waitFor()
    assert.equal(await curl.getAttribute('aria-selected'), 'true')
    await curl.focus()
    await page.keyboard.press('ArrowRight')
    const python = page.getByRole('tab', { name: 'Python' }).first()
    assert.equal(await python.getAttribute('aria-selected'), 'true')
    const shown = page.locator('[role=tabpanel]:not([hidden])').first()
    assert.match((await shown.textContent()) ?? '', /from openai import OpenAI/)
    assert.match((await shown.textContent()) ?? '', new RegExp(`${gateway.url}/v1`))
    // Every code block gets a copy button, those in hidden tabs too.
    assert.equal(await page.locator('pre + .copy-button').count(), await page.locator('pre').count())
    const anchor = page.getByRole('link', { name: 'Section titled “First request”' })
    assert.equal(await anchor.getAttribute('href'), '#first-request')
    const contents = page.getByRole('navigation', { name: 'On this page' })
    assert.equal(
      await contents.getByRole('link', { name: 'Stream the answer' }).getAttribute('href'),
      '#stream-the-answer',
    )
    await page.close()
  })
})

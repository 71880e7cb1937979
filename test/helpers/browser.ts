/**
 * A real browser for journeys: Debian's Chromium driven by playwright-core, axe-core injected
 * into each page to check accessibility, and screenshots at desktop and phone widths written to
 * test-results/screenshots (kept out of git). Outside CI a machine without Chromium skips the
 * browser suites with one message; under CI=true they are mandatory.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SCREENSHOT_DIRECTORY = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots')

/** Why the browser suites cannot run here, or undefined when they can (always run under CI). */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env.CI === 'true') return undefined
  return `no Chromium at ${CHROMIUM_PATH} (install the Debian package chromium, or set CHROMIUM_PATH); browser journeys skipped`
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-dev-shm-usage'],
  })
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

/** Runs axe-core on the page (WCAG 2.x A and AA) and returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses an injected script tag.
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> }
      }
    ).axe
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] },
    })
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.slice(0, 3).map((node) => ({ target: node.target })),
    }))
  })
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
}

/** Saves the page at 1280 and 375 px wide (full page) as `<name>-desktop.png` and `<name>-phone.png`. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true })
  const original = page.viewportSize() ?? { width: 1280, height: 800 }
  for (const [label, width] of [
    ['desktop', 1280],
    ['phone', 375],
  ] as const) {
    await page.setViewportSize({ width, height: label === 'desktop' ? 800 : 740 })
    await page.waitForTimeout(150)
    await page.screenshot({ path: join(SCREENSHOT_DIRECTORY, `${name}-${label}.png`), fullPage: true })
  }
  await page.setViewportSize(original)
}

/** The most JavaScript a public page (site, docs, API reference) may load. */
export const SCRIPT_BUDGET_BYTES = 100 * 1024

/** Counts the script bytes the page downloads from now on; call the result to read the total. */
export function countScripts(page: Page): () => number {
  let bytes = 0
  page.on('response', async (response) => {
    if (response.request().resourceType() !== 'script') return
    try {
      bytes += (await response.body()).byteLength
    } catch {
      // A response without a body (e.g. a redirect) counts nothing.
    }
  })
  return () => bytes
}

/**
 * Asserts no serious or critical axe violation in each theme and width of `runs`, then sets the
 * page back to light at 1280 px.
 */
export async function assertAccessible(
  page: Page,
  name: string,
  runs: readonly (readonly ['light' | 'dark', number])[],
): Promise<void> {
  for (const [colorScheme, width] of runs) {
    await page.emulateMedia({ colorScheme })
    await page.setViewportSize({ width, height: 800 })
    const violations = await seriousViolations(page)
    assert.deepEqual(
      violations,
      [],
      `${name} ${colorScheme} ${width}px: ${JSON.stringify(violations, null, 1)}`,
    )
  }
  await page.emulateMedia({ colorScheme: 'light' })
  await page.setViewportSize({ width: 1280, height: 800 })
}

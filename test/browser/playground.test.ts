/**
 * The console playground in a real browser (Debian's Chromium): a signed-in owner picks a model,
 * the answer streams from the `sim` provider and shows its lane, provider, attempts, tokens and
 * cost (the exact cost charged, read back from the request log and the ledger); Stop cuts an
 * answer short; "Compare lanes" shows both lanes' quotes (an unpublished price reads "quote on
 * request") and then both answers side by side. A viewer has no Playground in the menu. Each
 * state is checked with axe-core in light and dark and captured at 1280 and 375 px
 * (test-results/screenshots/playground-*).
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { parseUsdNano } from '../../src/contracts/usd.ts'
import { PLAYGROUND_KEY_NAME } from '../../src/http/playground-key.ts'
import { CONSOLE_DIRECTORY } from '../../src/server/console-services.ts'
import { browserUnavailable, launchBrowser, screenshots, seriousViolations } from '../helpers/browser.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const skip = browserUnavailable()
if (skip !== undefined) console.log(`# ${skip}`)

describe('console playground in a real browser', { skip }, () => {
  let gateway: TestGateway
  let browser: Browser
  const contexts: BrowserContext[] = []

  async function signedIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    contexts.push(context)
    // Sign-up from our own origin (what the sign-up page does); the context keeps the cookie.
    const answer = await context.request.post(`${gateway.url}/api/v1/auth/sign-up`, {
      data: { email, password: 'a long enough password' },
      headers: { origin: gateway.url },
    })
    assert.equal(answer.status(), 201, await answer.text())
    const page = await context.newPage()
    page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`))
    return page
  }

  /** axe-core in light and dark, and screenshots at 1280 and 375 px. */
  async function inspect(page: Page, name: string): Promise<void> {
    const light = await seriousViolations(page)
    assert.deepEqual(light, [], `${name}: ${JSON.stringify(light, null, 1)}`)
    await screenshots(page, name)
    await page.emulateMedia({ colorScheme: 'dark' })
    const dark = await seriousViolations(page)
    assert.deepEqual(dark, [], `${name} (dark): ${JSON.stringify(dark, null, 1)}`)
    await screenshots(page, `${name}-dark`)
    await page.emulateMedia({ colorScheme: 'light' })
  }

  before(async () => {
    assert.ok(existsSync(`${CONSOLE_DIRECTORY}/index.html`), 'the console is built (npm run build:console)')
    gateway = await startTestGateway({
      // Paced so an answer visibly streams (and can be stopped).
      providers: [{ name: 'sim', kind: 'sim', sim: { tokens_per_second: 25 } }],
      models: [
        {
          id: 'sim-echo',
          offers: [
            offer('sim', { price: { input: '1', output: '2' }, published: true }),
            // Not approved for display: its quote must read "quote on request".
            offer('sim', { lane: 'resale', price: { input: '3', output: '6' } }),
          ],
        },
        { id: 'sim-solo', offers: [offer('sim', { published: true })] },
      ],
      billing: { signup_credit: '5' },
      site: { name: 'Acme AI' },
    })
    browser = await launchBrowser()
  })
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await gateway?.close()
  })

  test('chat streams with its cost; stop; compare lanes shows two quotes, then two answers', {
    timeout: 240_000,
  }, async () => {
    const page = await signedIn('player@acme.test')
    const user = (await gateway.store.accounts.findUserByEmail('player@acme.test'))!
    const workspaceId = (await gateway.store.accounts.membershipsOf(user.id))[0]!.workspaceId
    const balanceBefore = (await gateway.store.ledger.balance(workspaceId)).balanceNano

    await page.goto(`${gateway.url}/console/`)
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Playground', exact: true })
      .click()
    await page.getByRole('heading', { level: 1, name: 'Playground' }).waitFor()
    await page.getByText('Nothing sent yet').waitFor()
    await inspect(page, 'playground-empty')

    // A chat answer, streamed, with its footer.
    await page.getByLabel('Model', { exact: true }).selectOption('cheap/sim-echo')
    await page.getByLabel('Message').fill('Hello from the browser playground')
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    const answer = page.getByRole('article', { name: 'Answer from cheap/sim-echo' })
    await answer.getByText('You said: Hello from the browser playground').waitFor()
    const cost = answer.locator('.playground-answer-footer .money')
    await cost.waitFor()
    const facts = await answer.locator('.playground-facts').innerText()
    assert.match(facts, /Lane\s+cheap/)
    assert.match(facts, /Provider\s+sim/)
    assert.match(facts, /Attempts\s+1/)
    assert.match(facts, /Tokens in \/ out\s+\d+ \/ 7/)
    // The cost shown is the exact charge: the request-log row under the playground key, and the ledger.
    const shownNano = parseUsdNano(((await cost.getAttribute('title')) ?? '').replace(/ USD$/, ''))
    const [key] = (await gateway.store.apiKeys.list(workspaceId)).filter(
      (each) => each.name === PLAYGROUND_KEY_NAME,
    )
    assert.ok(key, 'the playground key exists')
    let rows = await gateway.store.requestLogs.list(workspaceId, { limit: 10 })
    for (let attempt = 0; attempt < 100 && rows.length === 0; attempt++) {
      await page.waitForTimeout(50)
      rows = await gateway.store.requestLogs.list(workspaceId, { limit: 10 })
    }
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.keyId, key.id)
    assert.equal(rows[0]!.costNano, shownNano)
    await page.getByRole('button', { name: 'Send', exact: true }).waitFor()
    await inspect(page, 'playground-answer')

    // Stop: a long answer is cut short and says so.
    await page.getByLabel('Message').fill(`Please repeat ${'many words '.repeat(40)}`)
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    const long = page.getByRole('article', { name: 'Answer from cheap/sim-echo' }).nth(1)
    await long.getByText('You said: Please').waitFor()
    await page.getByRole('button', { name: 'Stop' }).click()
    await long.getByText(/^Stopped\./).waitFor()
    assert.doesNotMatch(await long.innerText(), /many words\s*$/)
    // No usage chunk came: the footer shows the charge from the request log.
    const charge = long.locator('.playground-answer-footer .money')
    await charge.waitFor()
    assert.match(await long.locator('.playground-facts').innerText(), /Charged\s+\$/)
    const stoppedId = ((await long.getByRole('link', { name: 'Request details' }).getAttribute('href')) ?? '')
      .split('/')
      .at(-1)!
    const stoppedRow = await gateway.store.requestLogs.find(workspaceId, stoppedId)
    assert.ok(stoppedRow && stoppedRow.keyId === key.id)
    assert.equal(
      parseUsdNano(((await charge.getAttribute('title')) ?? '').replace(/ USD$/, '')),
      stoppedRow.chargedNano,
    )

    // Compare lanes: only for a model both lanes offer.
    await page.getByLabel('Model', { exact: true }).selectOption('cheap/sim-solo')
    assert.ok(await page.getByLabel('Compare lanes').isDisabled())
    await page.getByLabel('Model', { exact: true }).selectOption('cheap/sim-echo')
    await page.getByLabel('Compare lanes').check()
    await page.getByLabel('Message').fill('Which lane answers first?')
    await page.getByRole('button', { name: 'Get both quotes' }).click()
    const quote = page.getByRole('region', { name: 'Compare lanes: the quote first' })
    const cheapCard = quote.locator('.playground-quote-card', { hasText: 'cheap/sim-echo' })
    const resaleCard = quote.locator('.playground-quote-card', { hasText: 'resale/sim-echo' })
    await cheapCard.getByText('Hold (most it can cost)').waitFor()
    // Published: numbers. Unpublished: never a number.
    assert.match(await cheapCard.innerText(), /Price per 1M tokens \(in \/ out\)\s+\$1\.00 \/ \$2\.00/)
    assert.match(await cheapCard.innerText(), /Hold \(most it can cost\)\s+\$0\.00\d+/)
    const resaleText = await resaleCard.innerText()
    assert.match(resaleText, /Price per 1M tokens \(in \/ out\)\s+quote on request/)
    assert.match(resaleText, /Hold \(most it can cost\)\s+quote on request/)
    assert.doesNotMatch(resaleText, /\$/)
    await inspect(page, 'playground-quote')
    await quote.getByRole('button', { name: 'Send to both lanes' }).click()
    const cheap = page.getByRole('article', { name: 'Cheap lane' })
    const resale = page.getByRole('article', { name: 'Resale lane' })
    for (const [column, lane] of [
      [cheap, 'cheap'],
      [resale, 'resale'],
    ] as const) {
      await column.getByText('You said: Which lane answers first?').waitFor()
      await column.locator('.playground-answer-footer .money').waitFor()
      assert.match(await column.locator('.playground-facts').innerText(), new RegExp(`Lane\\s+${lane}`))
    }
    await page.getByRole('button', { name: 'Get both quotes' }).waitFor()
    await inspect(page, 'playground-compare')

    // Four requests, every one billed: the balance went down by exactly their charges.
    let charged = 0
    for (let attempt = 0; attempt < 100; attempt++) {
      rows = await gateway.store.requestLogs.list(workspaceId, { limit: 10 })
      charged = rows.reduce((sum, row) => sum + row.chargedNano, 0)
      const settled = rows.length === 4 && rows.every((row) => row.ledgerEntryId !== null)
      if (settled) break
      await page.waitForTimeout(50)
    }
    assert.equal(rows.length, 4)
    assert.ok(charged > 0)
    assert.equal(balanceBefore - (await gateway.store.ledger.balance(workspaceId)).balanceNano, charged)

    // The key shows in Keys as the playground's.
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Keys', exact: true })
      .click()
    await page.getByRole('row', { name: /Console playground/ }).waitFor()
  })

  test('a viewer has no playground', async () => {
    const owner = (await gateway.store.accounts.findUserByEmail('player@acme.test'))!
    const workspaceId = (await gateway.store.accounts.membershipsOf(owner.id))[0]!.workspaceId
    const page = await signedIn('watcher@acme.test')
    const viewer = (await gateway.store.accounts.findUserByEmail('watcher@acme.test'))!
    await gateway.store.accounts.addMember(workspaceId, viewer.id, 'viewer', new Date().toISOString())
    const switched = await page.request.post(`${gateway.url}/api/v1/auth/switch-workspace`, {
      data: { workspace_id: workspaceId },
      headers: {
        origin: gateway.url,
        'x-csrf-token': (await (await page.request.get(`${gateway.url}/api/v1/auth/session`)).json())
          .csrf_token,
      },
    })
    assert.equal(switched.status(), 200)
    await page.goto(`${gateway.url}/console/playground`)
    await page.getByText('Your role cannot use the playground').waitFor()
    assert.equal(
      await page
        .getByRole('navigation', { name: 'Console' })
        .getByRole('link', { name: 'Playground', exact: true })
        .count(),
      0,
    )
    await inspect(page, 'playground-viewer')
  })

  test('site.pages.playground: false hides it from the menu and the page says so', async () => {
    const off = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'sim-echo', offers: [offer('sim')] }],
      site: { pages: { playground: false } },
    })
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      contexts.push(context)
      const signUp = await context.request.post(`${off.url}/api/v1/auth/sign-up`, {
        data: { email: 'owner@acme.test', password: 'a long enough password' },
        headers: { origin: off.url },
      })
      assert.equal(signUp.status(), 201)
      const page = await context.newPage()
      await page.goto(`${off.url}/console/`)
      const nav = page.getByRole('navigation', { name: 'Console' })
      await nav.getByRole('link', { name: 'Keys', exact: true }).waitFor()
      assert.equal(await nav.getByRole('link', { name: 'Playground', exact: true }).count(), 0)
      await page.goto(`${off.url}/console/playground`)
      await page.getByText('The playground is turned off').waitFor()
    } finally {
      await off.close()
    }
  })
})

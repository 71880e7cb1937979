/**
 * The docs over HTTP: every doc renders for an anonymous visitor; the generated tables follow
 * the running config (change the config, the page changes) and the code's error table; no slot
 * is left unfilled and an unknown one fails at start; every internal link and anchor resolves
 * (a crawl of the pages); every API snippet carries this deployment's base URL.
 */
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { ERROR_CODES } from '../../src/errors/gateway-error.ts'
import { docsPaths } from '../../src/site/docs-pages.ts'
import { renderDocs } from '../../src/site/docs-render.ts'
import { OPERATOR_DOCS, parseDocSource, REPOSITORY_ROOT } from '../../src/site/docs-source.ts'
import { codeBlocks, simCatalog, startDocsGateway, tableRows } from '../helpers/docs-site.ts'
import type { TestGateway } from '../helpers/test-gateway.ts'

const doc = (body: string, path = 'docs/site/probe.md') =>
  parseDocSource(
    path,
    `---\ntitle: Probe\ndescription: A doc made by the test, to see the renderer refuse it.\nsection: buyer\norder: 1\n---\n${body}`,
  )

describe('docs rendering fails loudly at start', () => {
  test('an unknown inline or block slot', () => {
    assert.throws(() => renderDocs([doc('Hello {{no_such_slot}}.')]), /unknown docs slot "no_such_slot"/)
    assert.throws(() => renderDocs([doc('```sh\ncurl {{bse_url}}\n```\n')]), /unknown docs slot "bse_url"/)
    assert.throws(
      () => renderDocs([doc('::: generated no-such-table\n')]),
      /unknown docs slot "no-such-table"/,
    )
    assert.throws(() => renderDocs([doc('::: nonsense\n')]), /unknown directive/)
  })

  test('a link to a missing doc or a missing anchor', () => {
    assert.throws(() => renderDocs([doc('[gone](gone.md)')]), /no doc/)
    assert.throws(() => renderDocs([doc('[self](#nowhere)\n\n## Somewhere\n')]), /has no heading #nowhere/)
    assert.throws(() => renderDocs([doc('[abs](/docs/missing#x)')]), /no doc "missing"/)
    // The same links resolve when their targets exist.
    const two = [
      doc('[there](other.md#a-heading) [self](#here)\n\n## Here\n'),
      doc('## A heading\n', 'docs/site/other.md'),
    ]
    assert.doesNotThrow(() =>
      renderDocs(two.map((source, index) => ({ ...source, slug: ['probe', 'other'][index]! }))),
    )
  })

  test('bad frontmatter names the file and the field', () => {
    assert.throws(
      () =>
        parseDocSource(
          'docs/site/x.md',
          '---\ntitle: X\ndescription: short\nsection: buyer\norder: 1\n---\n',
        ),
      /docs\/site\/x\.md: frontmatter description/,
    )
    assert.throws(
      () =>
        parseDocSource(
          'docs/site/x.md',
          '---\ntitle: X\ndescription: Long enough to pass the schema check.\nsection: sellers\norder: 1\n---\n',
        ),
      /frontmatter section/,
    )
    assert.throws(() => parseDocSource('docs/site/x.md', '# No frontmatter\n'), /missing frontmatter/)
  })

  test('every docs/*.md is an operator doc of the site', () => {
    const listed = new Set(OPERATOR_DOCS.map((entry) => entry.path))
    for (const name of readdirSync(`${REPOSITORY_ROOT}/docs`)) {
      if (name.endsWith('.md')) assert.ok(listed.has(`docs/${name}`), `docs/${name} is not in OPERATOR_DOCS`)
    }
  })
})

describe('docs pages over HTTP', () => {
  let gateway: TestGateway
  const pages = new Map<string, string>()

  async function page(path: string): Promise<string> {
    const cached = pages.get(path)
    if (cached !== undefined) return cached
    const response = await fetch(`${gateway.url}${path}`)
    assert.equal(response.status, 200, path)
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/)
    const text = await response.text()
    pages.set(path, text)
    return text
  }

  before(async () => {
    gateway = await startDocsGateway({}, { reload: () => ({ ...simCatalog('reloaded-echo') }) })
  })
  after(() => gateway.close())

  test('the index lists buyer docs, then operator docs, and every doc renders with its title', async () => {
    const index = await page('/docs')
    const paths = docsPaths()
    assert.ok(paths.length >= 15)
    let last = -1
    for (const path of paths.slice(1)) {
      const at = index.indexOf(`href="${path}"`)
      assert.ok(at > last, `${path} listed in order on /docs`)
      last = at
    }
    assert.ok(index.indexOf('href="/docs/faq"') < index.indexOf('href="/docs/configuration"'))
    for (const path of paths) {
      const html = await page(path)
      assert.match(html, /<title>[^<]+ · Acme &amp; &lt;Co&gt;<\/title>/, path)
      assert.equal(html.match(/<h1[ >]/g)?.length, 1, `${path} has one h1`)
      assert.doesNotMatch(html, /\{\{|%7B%7B|<!--slot:/, `${path} has no unfilled slot`)
      assert.doesNotMatch(html, /Acme & <Co>/, `${path} escapes the site name`)
      if (path !== '/docs') assert.match(html, new RegExp(`href="${path}" aria-current="page"`), path)
    }
  })

  test('unknown slugs get the HTML 404 page; HEAD and ETag work', async () => {
    const missing = await fetch(`${gateway.url}/docs/no-such-doc`)
    assert.equal(missing.status, 404)
    assert.match(missing.headers.get('content-type') ?? '', /^text\/html/)
    const body = await missing.text()
    assert.match(body, /No such page/)
    assert.match(body, /<meta name="robots" content="noindex">/)
    const first = await fetch(`${gateway.url}/docs/quickstart`)
    const etag = first.headers.get('etag')
    assert.ok(etag)
    const again = await fetch(`${gateway.url}/docs/quickstart`, { headers: { 'if-none-match': etag } })
    assert.equal(again.status, 304)
    const head = await fetch(`${gateway.url}/docs`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal((await head.text()).length, 0)
  })

  test('every internal link and anchor resolves (crawl)', async () => {
    let checked = 0
    for (const path of docsPaths()) {
      const html = await page(path)
      for (const [, href] of html.matchAll(/href="([^"]*)"/g)) {
        const [target = '', fragment] = href!.split('#')
        if (!(target === '' || target.startsWith('/docs'))) continue
        // The API reference is another helper's route (H3): only its presence in the sidebar is ours.
        if (target.startsWith('/docs/api')) continue
        const targetHtml = target === '' ? html : await page(target)
        if (fragment !== undefined && fragment !== '') {
          assert.match(targetHtml, new RegExp(`id="${fragment}"`), `${path}: ${href}`)
        }
        checked++
      }
    }
    assert.ok(checked > 200, `checked ${checked} links`)
  })

  test('the rate-limit tiers table is the config’s tiers', async () => {
    const rows = tableRows(await page('/docs/rate-limits'), 'Rate-limit tiers')
    const tiers = gateway.config.limits.tiers
    assert.deepEqual(
      rows.slice(1),
      Object.entries(tiers).map(([name, tier]) => [
        name === gateway.config.limits.defaultTier ? `${name} (default)` : name,
        tier.rpm.toLocaleString('en-US'),
        tier.tpm.toLocaleString('en-US'),
        tier.concurrency.toLocaleString('en-US'),
      ]),
    )
    // Every number in the table is one of the config's.
    const numbers = new Set(Object.values(tiers).flatMap((tier) => [tier.rpm, tier.tpm, tier.concurrency]))
    for (const row of rows.slice(1))
      for (const cell of row.slice(1)) assert.ok(numbers.has(Number(cell.replaceAll(',', ''))))
  })

  test('the credit terms are the config’s billing', async () => {
    const credits = await page('/docs/credits')
    assert.deepEqual(tableRows(credits, 'Credit terms').slice(1), [
      ['Purchase fee', '$0.5 + 2.5 %'],
      ['Credit expires', '90 days after purchase'],
      ['Trial credit for a new workspace', '$3'],
    ])
    assert.match(await page('/docs/faq'), /the purchase fee is \$0\.5 \+ 2\.5 %/)
  })

  test('the errors table is the code’s ERROR_CODES', async () => {
    const rows = tableRows(await page('/docs/errors'), 'Error codes').slice(1)
    assert.equal(rows.length, Object.keys(ERROR_CODES).length)
    for (const [status, code, type, when] of rows) {
      const spec = ERROR_CODES[code as keyof typeof ERROR_CODES]
      assert.ok(spec, `${code} is a code of the gateway`)
      assert.equal(Number(status), spec.status, code)
      assert.equal(type, spec.type, code)
      assert.ok((when ?? '').length > 10, `${code} says when`)
    }
  })

  test('lane names, site name, support email and the base URL come from the config', async () => {
    const lanes = await page('/docs/lanes')
    assert.deepEqual(
      tableRows(lanes, 'Lanes')
        .slice(1)
        .map((row) => row[0]),
      ['Budget', 'Business', 'Own key'],
    )
    assert.match(await page('/docs/faq'), /help@acme\.example/)
    const base = `${gateway.url}/v1`
    for (const path of docsPaths()) {
      const html = await page(path)
      if (!html.includes('Using the API</p>\n<h1>')) continue
      for (const block of codeBlocks(html)) {
        const calls = /\bcurl\b|OpenAI\(|createOpenAI\(|ChatOpenAI\(/.test(block.code)
        if (!calls) continue
        assert.ok(
          block.code.includes(base) || block.code.includes(`${gateway.url}/api/v1/`),
          `${path}: a ${block.tab ?? block.language} snippet without ${base}:\n${block.code}`,
        )
      }
    }
  })

  test('a config reload changes the example model in the snippets', async () => {
    const before = codeBlocks(await page('/docs/quickstart'))
    assert.ok(before.some((block) => block.code.includes('cheap/docs-echo')))
    await gateway.gateway.reload()
    const response = await fetch(`${gateway.url}/docs/quickstart`)
    const after = codeBlocks(await response.text())
    assert.ok(after.some((block) => block.code.includes('cheap/reloaded-echo')))
    assert.ok(!after.some((block) => block.code.includes('docs-echo')))
  })
})

describe('another brand renders other numbers', () => {
  test('tiers, fee, expiry and names follow a second config', async () => {
    const other = await startDocsGateway({
      site: { name: 'OneRouter', lane_names: { cheap: 'Pool', resale: 'Direct', byok: 'Yours' } },
      billing: { purchase_fee: { fixed: '0', percent: '0' }, credit_expiry_days: 0 },
      limits: { default_tier: 'solo', tiers: { solo: { rpm: 11, tpm: 22_000, concurrency: 1 } } },
    })
    try {
      const rates = await (await fetch(`${other.url}/docs/rate-limits`)).text()
      assert.deepEqual(tableRows(rates, 'Rate-limit tiers').slice(1), [
        ['solo (default)', '11', '22,000', '1'],
      ])
      const credits = await (await fetch(`${other.url}/docs/credits`)).text()
      assert.deepEqual(tableRows(credits, 'Credit terms').slice(1), [
        ['Purchase fee', '$0 (none)'],
        ['Credit expires', 'never'],
        ['Trial credit for a new workspace', '$0'],
      ])
      assert.match(credits, /<title>Credits, fees and expiry · OneRouter<\/title>/)
      const lanes = await (await fetch(`${other.url}/docs/lanes`)).text()
      assert.deepEqual(
        tableRows(lanes, 'Lanes')
          .slice(1)
          .map((row) => row[0]),
        ['Pool', 'Direct', 'Yours'],
      )
    } finally {
      await other.close()
    }
  })
})

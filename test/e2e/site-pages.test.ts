/**
 * The public site over HTTP: home, /models, model pages, sitemap and robots render for an
 * anonymous visitor with the deployment's brand; an unpublished price never shows a number (page
 * or structured data); two brands render with their own names, colours, lane names and pages.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { SECURITY_HEADERS } from '../../src/http/console-static.ts'
import { docsPaths } from '../../src/site/docs-pages.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const SIM = { name: 'sim', kind: 'sim', sim: { latency_ms: 0 } }

/** A catalog with a published model in three lanes, a hidden-price one and an embedding model. */
function catalog() {
  return [
    {
      id: 'sim-echo',
      name: 'Sim Echo',
      context_length: 128000,
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
      id: 'secret-model',
      name: 'Secret Model',
      offers: [
        offer('sim', { price: { prompt: '7.77', completion: '9.99' }, published: false }),
        offer('sim', { lane: 'resale', price: { prompt: '3.33', completion: '4.44' }, published: false }),
      ],
    },
  ]
}

/** Every price-like token ("$1", "7.77", "9.99") in a text. */
function dollarFigures(text: string): string[] {
  return text.match(/\$\s?\d[\d.,]*/g) ?? []
}

async function page(gateway: TestGateway, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}${path}`, { headers, redirect: 'manual' })
  return { response, text: await response.text() }
}

function titleOf(text: string): string {
  return /<title>([^<]*)<\/title>/.exec(text)?.[1] ?? ''
}

describe('public site: default brand', () => {
  let gateway: TestGateway
  before(async () => {
    gateway = await startTestGateway({ providers: [SIM], models: catalog() })
  })
  after(() => gateway.close())

  test('every page answers 200 with its title, description, canonical URL and security headers', async () => {
    const expected: [string, string][] = [
      ['/', 'OneKey'],
      ['/models', 'Models and prices · OneKey'],
      ['/models/sim-echo', 'Sim Echo prices by lane · OneKey'],
      ['/models/secret-model', 'Secret Model prices by lane · OneKey'],
    ]
    for (const [path, title] of expected) {
      const { response, text } = await page(gateway, path)
      assert.equal(response.status, 200, path)
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8')
      assert.equal(titleOf(text), title, path)
      assert.match(text, /<meta name="description" content="[^"]{20,}">/)
      assert.ok(text.includes(`<link rel="canonical" href="${gateway.url}${path}">`), path)
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
        assert.equal(response.headers.get(name), value, `${path} ${name}`)
      }
      assert.ok(response.headers.get('etag'), path)
      assert.doesNotMatch(text, /<script>|<style|style="/, `${path}: no inline script or style`)
    }
  })

  test('home: the three lanes with their trust rules, the first request with this base URL, sign-up', async () => {
    const { text } = await page(gateway, '/')
    for (const words of ['Cost-first', 'Trust-first', 'Control-first', 'pooled, shared upstream accounts']) {
      assert.ok(text.includes(words), words)
    }
    assert.match(text, /Never falls back to the shared pool/)
    assert.match(text, /<strong>Never a fallback<\/strong> for pooled requests/)
    assert.ok(text.includes(`curl ${gateway.url}/v1/chat/completions`))
    assert.ok(text.includes('&quot;model&quot;: &quot;cheap/sim-echo&quot;'))
    assert.ok(text.includes('href="/console/sign-up"'))
    assert.ok(text.includes('href="/console/sign-in"'))
  })

  test('models: every lane priced, exact decimals; the unpublished model reads "quote on request"', async () => {
    const { text } = await page(gateway, '/models')
    assert.ok(text.includes('<code>cheap/sim-echo</code>'))
    assert.ok(text.includes('<code>resale/sim-echo</code>'))
    assert.ok(text.includes('<code>byok/sim/sim-echo</code>'))
    assert.ok(
      text.includes('$0.10') && text.includes('$0.40') && text.includes('$0.05') && text.includes('$1.50'),
    )
    assert.ok(text.includes('$0.0001'), 'BYOK per-request fee')
    assert.match(text, /<code>cheap\/secret-model<\/code>[\s\S]*?quote on request/)
    for (const hidden of ['7.77', '9.99', '3.33', '4.44']) assert.ok(!text.includes(hidden), hidden)
  })

  test('an unpublished model page and its structured data carry no number for a price', async () => {
    const { text } = await page(gateway, '/models/secret-model')
    const article = text.slice(text.indexOf('<main'), text.indexOf('</main>'))
    assert.deepEqual(dollarFigures(article), [])
    for (const hidden of ['7.77', '9.99', '3.33', '4.44']) assert.ok(!text.includes(hidden), hidden)
    const jsonLd = /<script type="application\/ld\+json">([^<]*)<\/script>/.exec(text)?.[1]
    assert.ok(jsonLd)
    const data = JSON.parse(jsonLd)
    assert.equal(data['@type'], 'Product')
    assert.equal(data.offers.length, 2)
    for (const item of data.offers) {
      assert.equal(item.description, 'quote on request')
      assert.equal(item.price, undefined)
      assert.equal(item.priceSpecification, undefined)
    }
    assert.equal((text.match(/quote on request/g) ?? []).length >= 2, true)
  })

  test('a published model page: its price in structured data, snippets per lane with the base URL', async () => {
    const { text } = await page(gateway, '/models/sim-echo')
    const data = JSON.parse(/<script type="application\/ld\+json">([^<]*)<\/script>/.exec(text)![1]!)
    assert.deepEqual(
      data.offers.map((item: { priceSpecification: { price: string } }) => item.priceSpecification.price),
      ['0.1', '0.5', '0'],
    )
    for (const id of ['cheap/sim-echo', 'resale/sim-echo', 'byok/sim/sim-echo']) {
      assert.ok(text.includes(`model=&quot;${id}&quot;`), `python ${id}`)
      assert.ok(text.includes(`model: &#39;${id}&#39;`), `typescript ${id}`)
    }
    assert.ok(text.includes(`base_url=&quot;${gateway.url}/v1&quot;`))
    assert.ok(text.includes(`baseURL: &#39;${gateway.url}/v1&#39;`))
  })

  test('filters work without JS: non-matching models are hidden by the server', async () => {
    const rows = (text: string) =>
      [...text.matchAll(/<article class="model-card"[^>]*?>/g)].map((match) => ({
        id: /data-search="(\S+)/.exec(match[0])?.[1],
        hidden: / hidden>$/.test(match[0]),
      }))
    const byLane = rows((await page(gateway, '/models?lane=byok')).text)
    assert.deepEqual(byLane, [
      { id: 'sim-echo', hidden: false },
      { id: 'secret-model', hidden: true },
    ])
    // A max price never matches an unpublished lane: its price is not a number to compare.
    const cheapOnly = rows((await page(gateway, '/models?max_price=0.2')).text)
    assert.deepEqual(
      cheapOnly.map((row) => row.hidden),
      [false, true],
    )
    const tooCheap = rows((await page(gateway, '/models?max_price=0.05&lane=cheap')).text)
    assert.deepEqual(
      tooCheap.map((row) => row.hidden),
      [true, true],
    )
    const search = rows((await page(gateway, '/models?q=SECRET')).text)
    assert.deepEqual(
      search.map((row) => row.hidden),
      [true, false],
    )
    const bad = await page(gateway, '/models?max_price=abc&lane=nope')
    assert.equal(bad.response.status, 200)
    assert.match(bad.text, /aria-invalid="true"/)
  })

  test('HEAD answers like GET without a body; /models/ redirects to /models', async () => {
    const head = await fetch(`${gateway.url}/models`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(await head.text(), '')
    const etag = head.headers.get('etag')!
    const same = await fetch(`${gateway.url}/models`, { headers: { 'if-none-match': etag } })
    assert.equal(same.status, 304)
    const slash = await page(gateway, '/models/')
    assert.equal(slash.response.status, 308)
    assert.equal(slash.response.headers.get('location'), '/models')
  })

  test('an image model: per-image prices by tier ("from" when the lane has dearer offers), image snippets', async () => {
    const images = await startTestGateway({
      providers: [SIM],
      models: [
        {
          id: 'sim-draw',
          modalities: { output: ['image'] },
          images: { max_per_request: 1 },
          offers: [
            offer('sim', {
              model: 'draw-a',
              price: { image: { '1024x1024': '0.03', '1024x1024/hd': '0.06' } },
              published: true,
            }),
            offer('sim', { model: 'draw-b', price: { image: { '1024x1024': '0.04' } }, published: true }),
            offer('sim', { lane: 'resale', price: { image: { '1024x1024': '0.05' } }, published: true }),
          ],
        },
      ],
    })
    try {
      const { text } = await page(images, '/models/sim-draw')
      assert.match(text, /<th scope="col" class="num">Per image<\/th>/)
      assert.match(text, /<span class="muted">from <\/span>\$0\.03 <span class="muted">1024x1024<\/span>/)
      assert.match(text, /\$0\.06 <span class="muted">1024x1024\/hd<\/span>/)
      assert.match(text, /\$0\.05 <span class="muted">1024x1024<\/span>/)
      assert.ok(text.includes(`curl ${images.url}/v1/images/generations`))
      assert.ok(text.includes('client.images.generate(model=&quot;cheap/sim-draw&quot;'))
    } finally {
      await images.close()
    }
  })

  test('an unknown model gets the friendly HTML 404, not the JSON envelope', async () => {
    const { response, text } = await page(gateway, '/models/no-such-model')
    assert.equal(response.status, 404)
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.match(text, /<h1>Model not found<\/h1>/)
    assert.match(text, /<meta name="robots" content="noindex">/)
    const odd = await page(gateway, '/models/%3Cscript%3E')
    assert.equal(odd.response.status, 404)
    assert.ok(odd.text.includes('<code>&lt;script&gt;</code>'))
  })

  test('sitemap: absolute URLs of every page, each answers 200; robots points at it', async () => {
    const { response, text } = await page(gateway, '/sitemap.xml')
    assert.equal(response.status, 200)
    const urls = [...text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((match) => match[1]!)
    assert.deepEqual(urls.slice(0, 4), [
      `${gateway.url}/`,
      `${gateway.url}/models`,
      `${gateway.url}/models/sim-echo`,
      `${gateway.url}/models/secret-model`,
    ])
    // Then the docs (every rendered page) and the API reference.
    const rest = urls.slice(4).map((url) => url.slice(gateway.url.length))
    assert.deepEqual(rest, [...docsPaths(), '/docs/api'])
    for (const url of urls) {
      const answer = await fetch(url)
      assert.equal(answer.status, 200, url)
      await answer.text()
    }
    const robots = await page(gateway, '/robots.txt')
    assert.match(robots.text, new RegExp(`Sitemap: ${gateway.url}/sitemap.xml`))
  })

  test('assets: ETag revalidation, gzip when accepted, 404 for an unknown file', async () => {
    const first = await fetch(`${gateway.url}/site/assets/site.css`, {
      headers: { 'accept-encoding': 'identity' },
    })
    const css = await first.text()
    assert.equal(first.status, 200)
    assert.equal(first.headers.get('content-type'), 'text/css; charset=utf-8')
    const etag = first.headers.get('etag')!
    const again = await fetch(`${gateway.url}/site/assets/site.css`, { headers: { 'if-none-match': etag } })
    assert.equal(again.status, 304)
    const { request } = await import('node:http')
    const gzipped = await new Promise<Buffer>((resolve, reject) => {
      request(`${gateway.url}/site/assets/site.css`, { headers: { 'accept-encoding': 'gzip' } }, (answer) => {
        assert.equal(answer.headers['content-encoding'], 'gzip')
        const chunks: Buffer[] = []
        answer.on('data', (chunk: Buffer) => chunks.push(chunk))
        answer.on('end', () => resolve(Buffer.concat(chunks)))
      })
        .on('error', reject)
        .end()
    })
    assert.equal(gunzipSync(gzipped).toString(), css)
    const js = await fetch(`${gateway.url}/site/assets/site.js`)
    assert.ok((await js.arrayBuffer()).byteLength < 10_240, 'site.js within the 10 KB budget')
    const missing = await fetch(`${gateway.url}/site/assets/nope.js`)
    assert.equal(missing.status, 404)
    await missing.text()
    const brand = await page(gateway, '/site/brand.css')
    assert.match(brand.text, /--accent: #1f5fd1/)
    const icon = await page(gateway, '/site/favicon.svg')
    assert.equal(icon.response.headers.get('content-type'), 'image/svg+xml')
    assert.match(icon.text, /fill="#1f5fd1"\/>.*>O<\/text>/s)
  })
})

describe('public site: two brands', () => {
  test('each renders its name, colours, lane names, legal links and only the pages it turned on', async () => {
    const budget = await startTestGateway({
      providers: [SIM],
      models: catalog(),
      console: { public_url: 'https://api.budget.example', signup: 'invite_only' },
      site: {
        name: 'OneKeyModels',
        tagline: 'Budget, Business or your own key.',
        support_email: 'help@budget.example',
        colors: { accent: '#0a7d4f', accent_dark: '#5fd3a4' },
        legal: { terms_url: 'https://budget.example/terms', privacy_url: '/privacy' },
        lane_names: { cheap: 'Budget', resale: 'Business', byok: 'BYOK' },
        pages: { playground: false },
      },
    })
    const router = await startTestGateway({
      providers: [SIM],
      models: catalog(),
      console: { signup: 'closed' },
      site: {
        name: 'OneRouter',
        logo_url: '/site/assets/none.svg',
        colors: { accent: '#b4235a', accent_dark: '#ff8fb1' },
        lane_names: { cheap: 'Saver', resale: 'Direct', byok: 'Own key' },
        pages: { docs: false, api_reference: false },
      },
    })
    try {
      const home = await page(budget, '/')
      assert.equal(titleOf(home.text), 'OneKeyModels')
      assert.ok(home.text.includes('<h1 id="hero-title">Budget, Business or your own key.</h1>'))
      for (const name of ['>Budget<', '>Business<', '>BYOK<']) assert.ok(home.text.includes(name), name)
      assert.ok(home.text.includes('curl https://api.budget.example/v1/chat/completions'))
      assert.ok(home.text.includes('<link rel="canonical" href="https://api.budget.example/">'))
      assert.ok(home.text.includes('href="https://budget.example/terms"'))
      assert.ok(home.text.includes('href="/privacy"'))
      assert.ok(home.text.includes('mailto:help@budget.example'))
      assert.match(home.text, /Sign up with an invite/)
      assert.ok(home.text.includes('href="/docs"'))
      assert.ok(!home.text.includes('href="/console/playground"'), 'playground switched off: no link')
      assert.match((await page(budget, '/site/brand.css')).text, /--accent: #0a7d4f[\s\S]*--accent: #5fd3a4/)
      const models = await page(budget, '/models')
      assert.match(models.text, /<span class="lane lane-cheap">Budget<\/span>/)
      const sitemap = await page(budget, '/sitemap.xml')
      assert.ok(sitemap.text.includes('<loc>https://api.budget.example/models/sim-echo</loc>'))

      const other = await page(router, '/')
      assert.equal(titleOf(other.text), 'OneRouter')
      for (const name of ['>Saver<', '>Direct<', '>Own key<']) assert.ok(other.text.includes(name), name)
      assert.ok(!other.text.includes('>Budget<'))
      assert.ok(
        other.text.includes(
          '<img src="/site/assets/none.svg" alt="" width="28" height="28"><span>OneRouter</span>',
        ),
      )
      assert.ok(!home.text.includes('<img'), 'no logo configured: the name alone')
      assert.ok(!other.text.includes('href="/docs"'), 'docs switched off: no link')
      assert.ok(!other.text.includes('href="/docs/api"'), 'API reference switched off: no link')
      assert.ok(other.text.includes('href="/console/playground"'), 'the playground is on by default')
      assert.ok(!other.text.includes('href="/console/sign-up"'), 'sign-up closed: no sign-up link')
      assert.ok(other.text.includes('href="/console/sign-in"'))
      assert.ok(!other.text.includes('Terms'), 'no legal links configured')
      assert.match((await page(router, '/site/brand.css')).text, /--accent: #b4235a/)
    } finally {
      await budget.close()
      await router.close()
    }
  })

  test('pages switched off are not routes; home off keeps the redirect to the console', async () => {
    const gateway = await startTestGateway({
      providers: [SIM],
      models: catalog(),
      site: { pages: { home: false, models: false } },
    })
    try {
      const home = await page(gateway, '/')
      assert.equal(home.response.status, 302)
      assert.equal(home.response.headers.get('location'), '/console/')
      assert.equal((await page(gateway, '/models')).response.status, 404)
      assert.equal((await page(gateway, '/models/sim-echo')).response.status, 404)
      const sitemap = await page(gateway, '/sitemap.xml')
      assert.doesNotMatch(sitemap.text, /\/models/)
    } finally {
      await gateway.close()
    }
  })

  test('console off: no public pages unless site.enabled says so, and then no sign-in links', async () => {
    const off = await startTestGateway({ providers: [SIM], models: catalog(), console: { enabled: false } })
    const on = await startTestGateway({
      providers: [SIM],
      models: catalog(),
      console: { enabled: false },
      site: { enabled: true },
    })
    try {
      assert.equal((await page(off, '/')).response.status, 404)
      assert.equal((await page(off, '/models')).response.status, 404)
      const home = await page(on, '/')
      assert.equal(home.response.status, 200)
      assert.ok(!home.text.includes('/console/'), 'no console links')
      assert.match(home.text, /Ask the operator for a key/)
    } finally {
      await off.close()
      await on.close()
    }
  })
})

/** The code blocks of a page, unescaped, by language. */
function codeBlocks(page: string): { language: string; code: string }[] {
  return [...page.matchAll(/<code class="language-(\w+)">([\s\S]*?)<\/code>/g)].map((match) => ({
    language: match[1]!,
    code: match[2]!
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&amp;', '&'),
  }))
}

describe('public site: snippets run as printed', () => {
  const run = promisify(execFile)
  const root = join(import.meta.dirname, '..', '..')
  // Beside the repository's node_modules (so `openai` resolves), kept out of git.
  const scratch = join(root, 'test-results', 'site-snippets')
  let gateway: TestGateway
  let pythonOpenAi = false
  before(async () => {
    gateway = await startTestGateway({ providers: [SIM], models: catalog() })
    mkdirSync(scratch, { recursive: true })
    pythonOpenAi = await run('python3', ['-c', 'import openai'], { timeout: 20_000 }).then(
      () => true,
      () => false,
    )
    if (!pythonOpenAi) console.log('# python3 has no openai package: Python snippets are parsed, not run')
  })
  after(() => gateway.close())

  test('curl, TypeScript and Python snippets of the home page and of the pooled lanes answer from sim', async () => {
    const env = { ...process.env, ONEKEY_API_KEY: gateway.apiKey }
    const pages = [(await page(gateway, '/')).text, (await page(gateway, '/models/sim-echo')).text]
    // BYOK snippets need a stored provider key first (the page says so): the pooled lanes run here.
    const blocks = pages.flatMap(codeBlocks).filter((block) => !block.code.includes('byok/'))
    assert.equal(blocks.filter((block) => block.language === 'bash').length, 3)
    assert.equal(blocks.filter((block) => block.language === 'ts').length, 3)
    assert.equal(blocks.filter((block) => block.language === 'python').length, 3)
    for (const [index, block] of blocks.entries()) {
      assert.ok(block.code.includes(`${gateway.url}/v1`), block.code)
      if (block.language === 'bash') {
        const { stdout } = await run('bash', ['-c', block.code], { env, timeout: 30_000 })
        assert.equal(JSON.parse(stdout).object, 'chat.completion', stdout)
      } else if (block.language === 'ts') {
        const file = join(scratch, `snippet-${index}.mts`)
        writeFileSync(file, block.code)
        const { stdout } = await run(join(root, 'node_modules', '.bin', 'node'), [file], {
          env,
          timeout: 30_000,
        })
        assert.ok(stdout.trim().length > 0, 'the answer is printed')
      } else {
        assert.equal(block.language, 'python')
        const file = join(scratch, `snippet-${index}.py`)
        writeFileSync(file, block.code)
        // Parsed always; run when the `openai` package is importable (it is not installed here).
        await run('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', file], {
          timeout: 20_000,
        })
        if (pythonOpenAi) {
          const { stdout } = await run('python3', [file], { env, timeout: 30_000 })
          assert.ok(stdout.trim().length > 0, 'the answer is printed')
        }
      }
    }
  })
})

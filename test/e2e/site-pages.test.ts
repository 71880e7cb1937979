/**
 * The public site over HTTP with the default brand: home, /models and model pages render for an
 * anonymous visitor with the deployment's brand; an unpublished price never shows a number (page
 * or structured data); filters work without JS; HEAD, redirects and the HTML 404.
 * Brands and switched-off pages: site-brands.test.ts; sitemap, robots, assets and snippets:
 * site-sitemap-assets-snippets.test.ts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { SECURITY_HEADERS } from '../../src/http/console-static.ts'
import { catalog, dollarFigures, page, SIM, titleOf } from '../helpers/site-pages.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

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
})

/**
 * The public site's brands: two brands render with their own names, colours, lane names, legal
 * links and pages; pages switched off are not routes; with the console off there are no public
 * pages unless `site.enabled` says so.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { catalog, page, SIM, titleOf } from '../helpers/site-pages.ts'
import { startTestGateway } from '../helpers/test-gateway.ts'

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

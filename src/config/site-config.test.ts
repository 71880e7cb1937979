import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildConfig, ConfigError } from './config.ts'

const minimal = {
  providers: [{ name: 'sim', kind: 'sim' }],
  models: [{ id: 'm', offers: [{ lane: 'cheap', provider: 'sim', price: { input: '0.1', output: '0.4' } }] }],
}

function problems(site: unknown, extra: Record<string, unknown> = {}): string {
  try {
    buildConfig({ ...minimal, ...extra, site }, {})
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error))
    return error.message
  }
  assert.fail('the config was accepted')
}

test('site: defaults name every lane, turn every page on and follow the console', () => {
  const { site } = buildConfig(minimal, {})
  assert.deepEqual(site.laneNames, { cheap: 'Cheap', resale: 'Resale', byok: 'BYOK' })
  assert.deepEqual(site.pages, { home: true, models: true, docs: true, apiReference: true, playground: true })
  assert.deepEqual(site.colors, { accent: '#1f5fd1', accentDark: '#7fa8ff' })
  assert.deepEqual(site.legal, { termsUrl: null, privacyUrl: null })
  assert.equal(site.logoUrl, null)
  assert.equal(site.enabled, true)
  assert.equal(buildConfig({ ...minimal, console: { enabled: false } }, {}).site.enabled, false)
  assert.equal(
    buildConfig({ ...minimal, console: { enabled: false }, site: { enabled: true } }, {}).site.enabled,
    true,
  )
})

test('site: a seed brand (Budget, Business, BYOK) is expressible', () => {
  const { site } = buildConfig(
    {
      ...minimal,
      site: {
        name: 'OneKeyModels',
        tagline: 'Budget, Business or your own key.',
        logo_url: 'https://cdn.example.com/logo.svg',
        colors: { accent: '#0A7D4F', accent_dark: '#5fd3a4' },
        legal: { terms_url: 'https://example.com/terms', privacy_url: '/privacy' },
        pages: { api_reference: false },
        lane_names: { cheap: 'Budget', resale: 'Business', byok: 'BYOK' },
      },
    },
    {},
  )
  assert.deepEqual(site.laneNames, { cheap: 'Budget', resale: 'Business', byok: 'BYOK' })
  assert.equal(site.pages.apiReference, false)
  assert.equal(site.pages.docs, true)
  assert.equal(site.logoUrl, 'https://cdn.example.com/logo.svg')
  assert.deepEqual(site.legal, { termsUrl: 'https://example.com/terms', privacyUrl: '/privacy' })
})

test('site: bad colours, links, logos and unknown keys are refused with the field named', () => {
  assert.match(problems({ colors: { accent: 'blue' } }), /site\.colors\.accent.*#rrggbb/)
  assert.match(problems({ colors: { accent_dark: '#fff' } }), /site\.colors\.accent_dark/)
  assert.match(problems({ colors: { accent: '#12345g' } }), /site\.colors\.accent/)
  assert.match(problems({ colors: { accent: '#123456; }' } }), /site\.colors\.accent/)
  assert.match(problems({ logo_url: 'http://cdn.example.com/logo.svg' }), /site\.logo_url/)
  assert.match(problems({ logo_url: 'javascript:alert(1)' }), /site\.logo_url/)
  assert.match(problems({ legal: { terms_url: 'javascript:alert(1)' } }), /site\.legal\.terms_url/)
  assert.match(problems({ legal: { privacy_url: '//evil.example/privacy' } }), /site\.legal\.privacy_url/)
  assert.match(problems({ colour: { accent: '#123456' } }), /site.*colour/)
  assert.match(problems({ pages: { blog: true } }), /site\.pages.*blog/)
  assert.match(problems({ lane_names: { premium: 'Gold' } }), /site\.lane_names.*premium/)
  assert.match(problems({ lane_names: { cheap: '' } }), /site\.lane_names\.cheap/)
})

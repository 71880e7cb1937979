import assert from 'node:assert/strict'
import { test } from 'node:test'
import { escapeHtml, html, joinHtml, raw } from './html.ts'
import { jsonForScript } from './page-shell.ts'
import { usd } from './site-format.ts'
import { brandIcon, brandStylesheet, readableOn, resolveSiteSettings } from './site-settings.ts'

test('html escapes every interpolation unless it is Raw; arrays join; null, undefined and false vanish', () => {
  const name = `O'Brien & <Co> "quoted"`
  assert.equal(
    html`<p title="${name}">${name}</p>`.__html,
    '<p title="O&#39;Brien &amp; &lt;Co&gt; &quot;quoted&quot;">O&#39;Brien &amp; &lt;Co&gt; &quot;quoted&quot;</p>',
  )
  assert.equal(
    html`<ul>${['a', 'b<'].map((item) => html`<li>${item}</li>`)}</ul>`.__html,
    '<ul><li>a</li><li>b&lt;</li></ul>',
  )
  assert.equal(html`${null}${undefined}${false}${0}${raw('<b>')}`.__html, '0<b>')
  assert.equal(joinHtml(['a<', raw('<i>')], raw('<br>')).__html, 'a&lt;<br><i>')
  assert.equal(escapeHtml('&amp;'), '&amp;amp;')
})

test('structured data cannot close its script element', () => {
  assert.equal(jsonForScript({ name: '</script><script>alert(1)</script>' }).includes('</script'), false)
  assert.deepEqual(JSON.parse(jsonForScript({ a: '</x>\u2028' })), { a: '</x>\u2028' })
})

test('usd pads to cents and never rounds: the exact decimal string stays', () => {
  assert.equal(usd('2.5'), '$2.50')
  assert.equal(usd('10'), '$10.00')
  assert.equal(usd('0'), '$0')
  assert.equal(usd('0.00000185'), '$0.00000185')
  assert.equal(usd('123456789.123456'), '$123456789.123456')
})

test('brand colours: readable text on the accent, a stylesheet for light and dark, an icon', () => {
  assert.equal(readableOn('#1f5fd1'), '#ffffff')
  assert.equal(readableOn('#7fa8ff'), '#0b1020')
  assert.equal(readableOn('#ffff00'), '#0b1020')
  const site = resolveSiteSettings(
    {
      name: '<Brand>',
      supportEmail: null,
      enabled: true,
      tagline: 't',
      logoUrl: null,
      colors: { accent: '#0a7d4f', accentDark: '#5fd3a4' },
      legal: { termsUrl: null, privacyUrl: null },
      pages: { home: true, models: true, docs: false, apiReference: true, playground: true },
      laneNames: { cheap: 'Budget', resale: 'Business', byok: 'BYOK' },
    },
    {
      enabled: false,
      signup: 'open',
      publicUrl: 'https://api.example.com/',
      sessionIdleMs: 1,
      sessionMaxMs: 1,
      signInAttempts: 1,
    },
  )
  assert.equal(site.apiBaseUrl, 'https://api.example.com/v1')
  assert.equal(site.signInUrl, null, 'console off: no sign-in')
  assert.equal(site.signUpUrl, null)
  assert.equal(site.pages.playground, false, 'the playground needs the console')
  const css = brandStylesheet(site)
  assert.match(css, /:root, :root\[data-theme="light"\] \{ --accent: #0a7d4f; --accent-text: #ffffff;/)
  assert.match(css, /prefers-color-scheme: dark[^\n]*--accent: #5fd3a4; --accent-text: #0b1020;/)
  assert.match(css, /:root\[data-theme="dark"\] \{ --accent: #5fd3a4;/)
  assert.match(brandIcon(site), />&lt;<\/text>/)
})

/**
 * The document every public page is drawn in: head (title, description, canonical URL, Open
 * Graph, the stylesheets and scripts), a skip link, the header with the brand, the navigation
 * and the theme toggle, the main landmark (with an optional sidebar) and the footer.
 *
 * Markup conventions the pages follow (src/site/assets/site.js upgrades them; without JS they
 * still read well):
 * - **Code blocks**: `<pre tabindex="0"><code class="language-bash">…</code></pre>` get a "Copy"
 *   button (site.js adds the tabindex if missing: a scrolling block must be keyboard-reachable).
 *   Put it in a `<div class="code">` with a `<p class="code-title">` to label it if needed.
 * - **Tabs** (one snippet in several languages):
 *   `<div class="tabs" data-tabs><section data-tab-label="curl">…</section><section
 *   data-tab-label="Python">…</section></div>`. site.js adds a `role="tablist"` of
 *   `role="tab"` buttons (arrow keys, Home, End) and makes each section a `role="tabpanel"`;
 *   without JS every section shows, under a heading made from its label (use
 *   `<p class="tab-heading">` inside the section if you want one; site.js hides it).
 * - **Tables**: wrap in `<div class="table-scroll" role="region" tabindex="0"
 *   aria-label="…">` so wide tables scroll on phones and keyboards can reach them.
 * - **Callouts**: `<div class="callout">` (or `callout warning`) around a paragraph.
 * - **Lane badges**: `<span class="lane lane-cheap">Budget</span>` (lane-resale, lane-byok).
 * - Headings that are link targets carry an `id`; the page's first heading is its one `<h1>`.
 *
 * @module
 */
import { type HtmlValue, html, type Raw, raw } from './html.ts'
import { absoluteUrl, type SiteSettings } from './site-settings.ts'

/** Which nav item is current. */
export type SiteSection = 'home' | 'models' | 'docs' | 'api'

export interface PageInput {
  /** The page's own title; the document title becomes `${title} · ${site.name}` (or the name alone on home). */
  title: string
  /** One or two sentences for `<meta name="description">` and Open Graph. */
  description: string
  /** The page's path (e.g. /models/gpt-4o), for the canonical URL. */
  path: string
  /** The page's content, trusted HTML (build it with `html`). */
  main: Raw
  section?: SiteSection
  /** A navigation column beside main (docs). */
  sidebar?: Raw
  /** Keep out of search engines (e.g. a 404). */
  noindex?: boolean
  /** More stylesheets for this page family (paths on this gateway, e.g. /site/assets/docs.css), after the site's. */
  stylesheets?: readonly string[]
  /** schema.org data, written as `<script type="application/ld+json">` (a data block, not run). */
  structuredData?: unknown
}

/** The stylesheets and scripts of every page (served by src/http/site-routes.ts). */
export const SITE_ASSETS = {
  stylesheet: '/site/assets/site.css',
  brand: '/site/brand.css',
  /** The brand's initial on its accent colour, when no logo is configured. */
  icon: '/site/favicon.svg',
  /** Sets the remembered theme before first paint (in <head>, not deferred: no flash). */
  theme: '/site/assets/theme.js',
  script: '/site/assets/site.js',
} as const

/** JSON for a `<script type="application/ld+json">`: `<` escaped so it cannot close the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029')
}

function navLink(href: string, label: string, current: boolean): Raw {
  return current
    ? html`<a href="${href}" aria-current="page">${label}</a>`
    : html`<a href="${href}">${label}</a>`
}

/** The brand: logo (if any) and name, linking home. */
function brand(site: SiteSettings): Raw {
  const home = site.pages.home ? '/' : site.pages.models ? '/models' : '/docs'
  return html`<a class="brand" href="${home}">${
    site.logoUrl === null ? '' : html`<img src="${site.logoUrl}" alt="" width="28" height="28">`
  }<span>${site.name}</span></a>`
}

function header(site: SiteSettings, section: SiteSection | undefined): Raw {
  const links: HtmlValue[] = []
  if (site.pages.models) links.push(navLink('/models', 'Models', section === 'models'))
  if (site.pages.docs) links.push(navLink('/docs', 'Docs', section === 'docs'))
  if (site.pages.apiReference) links.push(navLink('/docs/api', 'API reference', section === 'api'))
  // The playground is a console page (signed in); `pages.playground` is off without the console.
  if (site.pages.playground) links.push(navLink('/console/playground', 'Playground', false))
  const account: HtmlValue[] = []
  if (site.signInUrl !== null) account.push(html`<a class="sign-in" href="${site.signInUrl}">Sign in</a>`)
  if (site.signUpUrl !== null) {
    account.push(
      html`<a class="button" href="${site.signUpUrl}">${site.console.signup === 'invite_only' ? 'Join with an invite' : 'Sign up'}</a>`,
    )
  }
  return html`<header class="site-header">
  <div class="header-inner">
    ${brand(site)}
    <nav class="site-nav" aria-label="Main">${links}</nav>
    <div class="header-actions">
      <theme-toggle><button type="button" class="theme-button" aria-label="Colour theme: system" hidden>
        <span aria-hidden="true" class="theme-icon"></span></button></theme-toggle>
      ${account}
    </div>
  </div>
</header>`
}

function footer(site: SiteSettings): Raw {
  const links: HtmlValue[] = []
  if (site.pages.models) links.push(html`<li><a href="/models">Models</a></li>`)
  if (site.pages.docs) links.push(html`<li><a href="/docs">Docs</a></li>`)
  if (site.pages.apiReference) links.push(html`<li><a href="/docs/api">API reference</a></li>`)
  if (site.legal.termsUrl !== null) links.push(html`<li><a href="${site.legal.termsUrl}">Terms</a></li>`)
  if (site.legal.privacyUrl !== null)
    links.push(html`<li><a href="${site.legal.privacyUrl}">Privacy</a></li>`)
  if (site.supportEmail !== null) {
    links.push(html`<li><a href="mailto:${site.supportEmail}">${site.supportEmail}</a></li>`)
  }
  return html`<footer class="site-footer">
  <div class="footer-inner">
    <p class="footer-brand"><strong>${site.name}</strong> <span>${site.tagline}</span></p>
    <ul class="footer-links">${links}</ul>
  </div>
</footer>`
}

/** The full HTML document of a public page. */
export function renderPage(site: SiteSettings, page: PageInput): string {
  const title = page.title === site.name ? site.name : `${page.title} · ${site.name}`
  const canonical = absoluteUrl(site, page.path)
  const layout = page.sidebar === undefined ? 'layout' : 'layout with-sidebar'
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${page.description}">
<link rel="canonical" href="${canonical}">
${page.noindex === true ? html`<meta name="robots" content="noindex">` : ''}
<meta property="og:type" content="website">
<meta property="og:site_name" content="${site.name}">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${page.description}">
<meta property="og:url" content="${canonical}">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="${site.logoUrl ?? SITE_ASSETS.icon}">
<link rel="stylesheet" href="${SITE_ASSETS.stylesheet}">
<link rel="stylesheet" href="${SITE_ASSETS.brand}">
${(page.stylesheets ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
<script src="${SITE_ASSETS.theme}"></script>
<script src="${SITE_ASSETS.script}" defer></script>
${
  page.structuredData === undefined
    ? ''
    : raw(`<script type="application/ld+json">${jsonForScript(page.structuredData)}</script>`)
}
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
${header(site, page.section)}
<div class="${layout}">
${page.sidebar === undefined ? '' : html`<aside class="sidebar">${page.sidebar}</aside>`}
<main id="main" tabindex="-1">
${page.main}
</main>
</div>
${footer(site)}
</body>
</html>
`
  return document.__html
}

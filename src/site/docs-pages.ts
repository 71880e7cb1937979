/**
 * The docs as pages: `/docs` (the index, buyer docs then operator docs), `/docs/<slug>` (one doc
 * with the docs sidebar, the current page marked `aria-current`, and its contents) and the docs'
 * 404. The Markdown is rendered once per process ({@link renderedDocs}); a page's HTML is built
 * from it and the deployment's facts, and cached until the facts change (a config reload).
 *
 * @module
 */

import { type RenderedDoc, renderDocs } from './docs-render.ts'
import { type DocsFacts, filledHtml } from './docs-slots.ts'
import { loadDocSources, REPOSITORY_ROOT } from './docs-source.ts'
import { html, type Raw } from './html.ts'
import { renderPage } from './page-shell.ts'

let rendered: RenderedDoc[] | undefined

/** Every doc, rendered on the first call (at start) and kept: buyer docs first, then operator. */
export function renderedDocs(root: string = REPOSITORY_ROOT): readonly RenderedDoc[] {
  if (root !== REPOSITORY_ROOT) return renderDocs(loadDocSources(root))
  rendered ??= renderDocs(loadDocSources(root))
  return rendered
}

/** The paths of every docs page (`/docs` and `/docs/<slug>`), for the sitemap. */
export function docsPaths(docs: readonly RenderedDoc[] = renderedDocs()): string[] {
  return ['/docs', ...docs.map((doc) => `/docs/${doc.slug}`)]
}

/** The docs' own stylesheet (src/site/assets/docs.css, served with the site's assets). */
export const DOCS_STYLESHEET = '/site/assets/docs.css'

/** The page's content, preceded by the docs stylesheet (a `<link>` may sit in the body). */
function withStylesheet(main: Raw): Raw {
  return html`<link rel="stylesheet" href="${DOCS_STYLESHEET}">${main}`
}

const SECTION_TITLES = { buyer: 'Using the API', operator: 'Running the gateway' } as const

function sidebar(docs: readonly RenderedDoc[], facts: DocsFacts, current: string | null): Raw {
  const group = (section: 'buyer' | 'operator', id: string) => {
    const items = docs
      .filter((doc) => doc.section === section)
      .map((doc) =>
        doc.slug === current
          ? html`<li><a href="/docs/${doc.slug}" aria-current="page">${doc.title}</a></li>`
          : html`<li><a href="/docs/${doc.slug}">${doc.title}</a></li>`,
      )
    if (section === 'buyer' && facts.site.pages.apiReference) {
      items.push(html`<li><a href="/docs/api">API reference</a></li>`)
    }
    return html`<p class="sidebar-title" id="${id}">${SECTION_TITLES[section]}</p><ul aria-labelledby="${id}">${items}</ul>`
  }
  const home =
    current === null
      ? html`<a href="/docs" aria-current="page">Docs home</a>`
      : html`<a href="/docs">Docs home</a>`
  return html`<nav class="docs-nav" aria-label="Docs">${home}${group('buyer', 'docs-nav-buyer')}${group('operator', 'docs-nav-operator')}</nav>`
}

function contents(doc: RenderedDoc): Raw {
  if (doc.headings.length < 2) return html``
  const items = doc.headings.map(
    (heading) =>
      html`<li class="toc-${heading.level === 2 ? 'h2' : 'h3'}"><a href="#${heading.id}">${heading.text}</a></li>`,
  )
  return html`<nav class="toc" aria-label="On this page"><p class="toc-title">On this page</p><ol>${items}</ol></nav>`
}

function pager(docs: readonly RenderedDoc[], doc: RenderedDoc): Raw {
  const index = docs.indexOf(doc)
  const previous = docs[index - 1]
  const next = docs[index + 1]
  if (previous === undefined && next === undefined) return html``
  return html`<nav class="doc-pager" aria-label="Previous and next page">${
    previous === undefined
      ? ''
      : html`<a rel="prev" href="/docs/${previous.slug}"><span>Previous</span> ${previous.title}</a>`
  }${next === undefined ? '' : html`<a rel="next" href="/docs/${next.slug}"><span>Next</span> ${next.title}</a>`}</nav>`
}

/** The full HTML of one doc's page. */
export function docPage(docs: readonly RenderedDoc[], doc: RenderedDoc, facts: DocsFacts): string {
  const label = doc.section === 'buyer' ? SECTION_TITLES.buyer : SECTION_TITLES.operator
  const main = html`<article class="doc">
<p class="doc-kicker">${label}</p>
<h1>${doc.title}</h1>
<p class="doc-lead">${doc.description}</p>
${filledHtml(contents(doc).__html, facts)}
<div class="doc-body">
${filledHtml(doc.template, facts)}
</div>
${pager(docs, doc)}
</article>`
  return renderPage(facts.site, {
    title: doc.title,
    description: doc.description,
    path: `/docs/${doc.slug}`,
    main: withStylesheet(main),
    section: 'docs',
    sidebar: sidebar(docs, facts, doc.slug),
  })
}

/** The docs index: every doc with its description, buyer docs first. */
export function docsIndexPage(docs: readonly RenderedDoc[], facts: DocsFacts): string {
  const group = (section: 'buyer' | 'operator') =>
    html`<section class="docs-group" aria-labelledby="docs-${section}"><h2 id="docs-${section}">${SECTION_TITLES[section]}</h2><ul class="docs-list">${docs
      .filter((doc) => doc.section === section)
      .map((doc) => html`<li><a href="/docs/${doc.slug}">${doc.title}</a><p>${doc.description}</p></li>`)}${
      section === 'buyer' && facts.site.pages.apiReference
        ? html`<li><a href="/docs/api">API reference</a><p>Every endpoint of ${facts.site.name}, with its fields and examples.</p></li>`
        : ''
    }</ul></section>`
  const main = html`<article class="doc docs-index">
<h1>${facts.site.name} docs</h1>
<p class="doc-lead">One OpenAI-compatible API at <code>${facts.site.apiBaseUrl}</code>: the model ID’s prefix picks the lane. Start with the quickstart, or go straight to what you need.</p>
${group('buyer')}
${group('operator')}
</article>`
  return renderPage(facts.site, {
    title: 'Docs',
    description: `How to call ${facts.site.name}'s OpenAI-compatible API, choose a lane, pay for what you use, and run the gateway.`,
    path: '/docs',
    main: withStylesheet(main),
    section: 'docs',
    sidebar: sidebar(docs, facts, null),
  })
}

/** The docs' 404: what was asked for, and where to go instead. */
export function docsNotFoundPage(docs: readonly RenderedDoc[], facts: DocsFacts, path: string): string {
  const main = html`<article class="doc">
<h1>No such page</h1>
<p class="doc-lead">There is no doc at <code>${path}</code>. It may have moved: every doc is listed here.</p>
<ul class="docs-list">${docs.map((doc) => html`<li><a href="/docs/${doc.slug}">${doc.title}</a></li>`)}</ul>
</article>`
  return renderPage(facts.site, {
    title: 'Page not found',
    description: 'This docs page does not exist.',
    path,
    main: withStylesheet(main),
    section: 'docs',
    sidebar: sidebar(docs, facts, ''),
    noindex: true,
  })
}

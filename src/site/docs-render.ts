/**
 * Renders every doc once, at start: Markdown to HTML templates with their slots left as markers
 * (docs-slots.ts fills them), the page's contents (h2 and h3), and a check that fails the start
 * when a page uses an unknown slot or links to a doc or an anchor that does not exist.
 *
 * @module
 */
import { createDocsMarkdown, type DocEnv } from './docs-markdown.ts'
import { assertKnownSlots } from './docs-slots.ts'
import type { DocSection, DocSource } from './docs-source.ts'

/** One rendered doc: its HTML template (slots not yet filled) and what the page frame needs. */
export interface RenderedDoc {
  slug: string
  title: string
  description: string
  section: DocSection
  order: number
  /** Repository path of the Markdown source. */
  path: string
  /** The body's HTML with slot markers. */
  template: string
  /** h2 and h3, for the contents. */
  headings: readonly { level: number; id: string; text: string }[]
  /** Every id the body carries. */
  ids: ReadonlySet<string>
  /** Every `/docs…` link in the body. */
  links: readonly string[]
}

/** Renders the docs and checks their slots and internal links; throws naming the file at fault. */
export function renderDocs(sources: readonly DocSource[]): RenderedDoc[] {
  const md = createDocsMarkdown()
  const slugs = new Map(sources.map((source) => [source.path, source.slug]))
  const docs = sources.map((source): RenderedDoc => {
    const env: DocEnv = { path: source.path, slugs, headings: [], ids: new Set(), links: [] }
    let template: string
    try {
      template = md.render(source.body, env as unknown as Record<string, unknown>)
    } catch (error) {
      throw new Error(`${source.path}: ${(error as Error).message}`)
    }
    assertKnownSlots(template, source.path)
    return {
      slug: source.slug,
      title: source.title,
      description: source.description,
      section: source.section,
      order: source.order,
      path: source.path,
      template,
      headings: env.headings,
      ids: env.ids,
      links: env.links.map((link) => link.href),
    }
  })
  checkDocLinks(docs)
  return docs
}

/** Paths under `/docs` served by other routes (the API reference), which the link check accepts. */
export const OTHER_DOCS_PATHS: ReadonlySet<string> = new Set(['/docs', '/docs/api'])

/** Throws on the first link to a missing doc or a missing anchor. */
export function checkDocLinks(docs: readonly RenderedDoc[]): void {
  const bySlug = new Map(docs.map((doc) => [doc.slug, doc]))
  for (const doc of docs) {
    for (const href of doc.links) {
      const [path = '', fragment] = href.split('#')
      const clean = path.replace(/\/$/, '')
      if (OTHER_DOCS_PATHS.has(clean)) {
        if (fragment !== undefined && clean !== '/docs/api') {
          throw new Error(`${doc.path}: link ${href}: /docs has no anchors`)
        }
        continue
      }
      const slug = clean.slice('/docs/'.length)
      const target = bySlug.get(slug)
      if (!clean.startsWith('/docs/') || target === undefined) {
        throw new Error(`${doc.path}: link ${href}: no doc "${slug}"`)
      }
      if (fragment !== undefined && fragment !== '' && !target.ids.has(decodeURIComponent(fragment))) {
        throw new Error(`${doc.path}: link ${href}: ${target.path} has no heading #${fragment}`)
      }
    }
  }
}

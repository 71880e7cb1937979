/**
 * The markdown-it instance the docs are rendered with, one plugin per concern:
 *
 * - **Directives** (a line of their own): `::: generated NAME` (a block slot, docs-slots.ts) and
 *   `::: tabs` … `:::` around code fences, one tab per fence, its label after the language:
 *   ```` ```python Python ````. Tabs render as the site's tabs markup (page-shell.ts).
 * - **Heading anchors**: every heading gets an id (GitHub's rule, so links that work on GitHub
 *   work here) and a visible link with an accessible label; h2 and h3 make the page's contents.
 * - **Tables** in a focusable, named scrolling region.
 * - **Links**: a relative link to a doc (`errors.md#status`) becomes `/docs/<slug>#status`; a
 *   relative link to any other repository file becomes plain text (it is not on this site).
 *   Every `/docs…` link is collected for the link check in docs-render.ts.
 *
 * Raw HTML in the Markdown is not allowed (`html: false`): it is shown as text.
 *
 * @module
 */

import type { StateBlock, StateCore, Token } from 'markdown-it'
import MarkdownIt, { type MarkdownIt as MarkdownItInstance } from 'markdown-it'
import { errorsTable } from './docs-errors-table.ts'
import { BLOCK_SLOTS, blockMarker } from './docs-slots.ts'
import { escapeHtml } from './html.ts'

/** What rendering one document found, kept in markdown-it's `env`. */
export interface DocEnv {
  /** The document's repository path (`docs/site/quickstart.md`), to resolve relative links. */
  path: string
  /** Repository path of each doc → its slug. */
  slugs: ReadonlyMap<string, string>
  headings: { level: number; id: string; text: string }[]
  /** Every id the page will carry (headings and generated tables). */
  ids: Set<string>
  /** Every link to `/docs…` on the page: path and fragment. */
  links: { href: string }[]
}

const DIRECTIVE = /^:::\s*(?:generated\s+([a-z][a-z0-9-]*)|(tabs))?\s*$/

/** GitHub's heading slug: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

function directiveRule(state: StateBlock, startLine: number, _endLine: number, silent: boolean): boolean {
  const start = state.bMarks[startLine]! + state.tShift[startLine]!
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false
  const line = state.src.slice(start, state.eMarks[startLine])
  if (!line.startsWith(':::')) return false
  const match = DIRECTIVE.exec(line)
  if (match === null) throw new Error(`line ${startLine + 1}: unknown directive "${line}"`)
  if (silent) return true
  const name = match[1]
  if (name !== undefined) {
    const token = state.push('docs_generated', '', 0)
    token.meta = { name }
  } else if (match[2] === 'tabs') {
    state.push('docs_tabs_open', 'div', 1)
  } else {
    state.push('docs_tabs_close', 'div', -1)
  }
  state.line = startLine + 1
  return true
}

function inlineText(token: Token): string {
  return (token.children ?? [])
    .filter((child) => child.type === 'text' || child.type === 'code_inline')
    .map((child) => child.content)
    .join('')
}

/** Resolves a relative link from `from` (a repository path) to a repository path. */
function resolvePath(from: string, target: string): string {
  const parts = from.split('/').slice(0, -1)
  for (const part of target.split('/')) {
    if (part === '..') parts.pop()
    else if (part !== '.' && part !== '') parts.push(part)
  }
  return parts.join('/')
}

/** Ids, tabs and links, after inline parsing. */
function documentRule(state: StateCore): void {
  const env = state.env as unknown as DocEnv
  const used = new Map<string, number>()
  let inTabs = false
  for (const [index, token] of state.tokens.entries()) {
    if (token.type === 'heading_open') {
      const text = inlineText(state.tokens[index + 1]!)
      const base = headingSlug(text) || 'section'
      const seen = used.get(base) ?? 0
      used.set(base, seen + 1)
      const id = seen === 0 ? base : `${base}-${seen}`
      token.attrSet('id', id)
      token.meta = { id, text }
      env.ids.add(id)
      const level = Number(token.tag.slice(1))
      if (level === 2 || level === 3) env.headings.push({ level, id, text })
    } else if (token.type === 'docs_tabs_open') {
      if (inTabs) throw new Error(`${env.path}: tabs inside tabs`)
      inTabs = true
    } else if (token.type === 'docs_tabs_close') {
      if (!inTabs) throw new Error(`${env.path}: ":::" closes no tabs`)
      inTabs = false
    } else if (inTabs && token.type !== 'fence') {
      throw new Error(`${env.path}: only code fences may sit inside "::: tabs"`)
    } else if (token.type === 'fence' && inTabs) {
      const [language, ...label] = token.info.trim().split(/\s+/)
      token.meta = { tab: label.join(' ') || language || 'Code' }
    } else if (token.type === 'docs_generated') {
      const name = (token.meta as { name: string }).name
      if (name !== 'errors' && !(name in BLOCK_SLOTS))
        throw new Error(`${env.path}: unknown docs slot "${name}"`)
      if (name === 'errors') for (const code of errorIds()) env.ids.add(code)
    } else if (token.type === 'inline') {
      rewriteLinks(token.children ?? [], env)
    }
  }
  if (inTabs) throw new Error(`${env.path}: "::: tabs" is never closed`)
}

let errorIdList: string[] | undefined
function errorIds(): string[] {
  errorIdList ??= [...errorsTable(() => '').__html.matchAll(/id="(error-[a-z_]+)"/g)].map(
    (match) => match[1]!,
  )
  return errorIdList
}

function rewriteLinks(children: Token[], env: DocEnv): void {
  const dropped: boolean[] = []
  for (const token of children) {
    if (token.type === 'link_close') {
      if (dropped.pop() === true) token.meta = { drop: true }
      continue
    }
    if (token.type !== 'link_open') continue
    const href: string = String(token.attrGet('href') ?? '')
    let drop = false
    if (href.startsWith('/docs')) {
      env.links.push({ href })
    } else if (!/^[a-z][a-z0-9+.-]*:|^\/|^#/i.test(href)) {
      // Relative: a doc of this site, or another file of the repository.
      const [path = '', fragment] = href.split('#')
      const resolved = resolvePath(env.path, decodeURI(path))
      const slug = env.slugs.get(resolved)
      if (slug === undefined && resolved.startsWith('docs/') && resolved.endsWith('.md')) {
        // A doc that does not exist: the link check fails on it.
        env.links.push({ href: `/docs/${resolved}` })
      } else if (slug === undefined) drop = true
      else {
        const target = `/docs/${slug}${fragment === undefined ? '' : `#${fragment}`}`
        token.attrSet('href', target)
        env.links.push({ href: target })
      }
    } else if (href.startsWith('#')) {
      env.links.push({ href: `/docs/${env.slugs.get(env.path) ?? ''}${href}` })
    }
    if (drop) token.meta = { drop: true }
    dropped.push(drop)
  }
}

/** A markdown-it instance with the docs' plugins. Render with a {@link DocEnv}. */
export function createDocsMarkdown(): MarkdownItInstance {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false })
  md.block.ruler.before('fence', 'docs_directive', directiveRule, { alt: ['paragraph'] })
  md.core.ruler.push('docs_document', documentRule)
  const rules = md.renderer.rules
  const defaultLink = (
    tokens: Token[],
    index: number,
    options: unknown,
    _env: unknown,
    self: { renderToken: (t: Token[], i: number, o: never) => string },
  ) => self.renderToken(tokens, index, options as never)

  rules.heading_open = (tokens, index) => {
    const token = tokens[index]!
    const { id } = token.meta as { id: string }
    return `<div class="heading-wrapper ${token.tag}"><${token.tag} id="${escapeHtml(id)}">`
  }
  rules.heading_close = (tokens, index) => {
    const token = tokens[index]!
    const { id, text } = tokens[index - 2]!.meta as { id: string; text: string }
    return `</${token.tag}><a class="heading-anchor" href="#${escapeHtml(id)}"><span aria-hidden="true">#</span><span class="visually-hidden">Section titled “${escapeHtml(text)}”</span></a></div>\n`
  }
  rules.table_open = (tokens, index) => {
    const label = tableLabel(tokens, index)
    return `<div class="table-scroll" role="region" tabindex="0" aria-label="${escapeHtml(label)}"><table>\n`
  }
  rules.table_close = () => '</table></div>\n'
  rules.link_open = (tokens, index, options, env, self) =>
    (tokens[index]!.meta as { drop?: boolean } | null)?.drop === true
      ? ''
      : defaultLink(tokens, index, options, env, self)
  rules.link_close = (tokens, index, options, env, self) =>
    (tokens[index]!.meta as { drop?: boolean } | null)?.drop === true
      ? ''
      : defaultLink(tokens, index, options, env, self)

  const fence = rules.fence!
  rules.fence = (tokens, index, options, env, self) => {
    const token = tokens[index]!
    const code = fence(tokens, index, options, env, self)
    const tab = (token.meta as { tab?: string } | null)?.tab
    if (tab === undefined) return code
    return `<section data-tab-label="${escapeHtml(tab)}"><p class="tab-heading">${escapeHtml(tab)}</p>\n${code}</section>\n`
  }
  rules.docs_tabs_open = () => '<div class="tabs" data-tabs data-tabs-label="Language">\n'
  rules.docs_tabs_close = () => '</div>\n'
  rules.docs_generated = (tokens, index) => {
    const { name } = tokens[index]!.meta as { name: string }
    if (name === 'errors') return `${errorsTable((markdown) => md.renderInline(markdown)).__html}\n`
    return `${blockMarker(name)}\n`
  }
  return md
}

/** A table's name: the nearest heading above it (numbered when it has several), else "Table". */
function tableLabel(tokens: Token[], index: number): string {
  let before = 0
  for (let at = index - 1; at >= 0; at--) {
    const token = tokens[at]!
    if (token.type === 'table_open') before++
    if (token.type === 'heading_open') {
      const text = `Table: ${(token.meta as { text: string }).text}`
      return before === 0 ? text : `${text} (${before + 1})`
    }
  }
  return before === 0 ? 'Table' : `Table ${before + 1}`
}

/**
 * The Markdown the docs are rendered from, read once at start: the buyer docs in `docs/site/`
 * (written for the public site) and the operator docs, which are the repository's own files
 * (`docs/*.md`, `deploy/README.md`): one source, read on GitHub and served by the gateway.
 *
 * Each file opens with YAML frontmatter, checked with zod (a bad field fails the start, naming
 * the file): `title`, `description`, `section` (`buyer` or `operator`), `order` (position in
 * its section) and an optional `slug` (default: the file name). An operator file that has no
 * frontmatter (e.g. `deploy/README.md`) takes it from {@link OPERATOR_DOCS}. The body's first
 * `# Heading` is dropped: the page's title comes from the frontmatter.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

/** The repository's root (where `docs/` lives), from this file's place in `src/site/`. */
export const REPOSITORY_ROOT = join(import.meta.dirname, '..', '..')

const frontmatterSchema = z.strictObject({
  title: z.string().min(1).max(80),
  description: z.string().min(20).max(300),
  section: z.enum(['buyer', 'operator']),
  order: z.number().int().min(0).max(1000),
  slug: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)
    .optional(),
})

export type DocFrontmatter = z.infer<typeof frontmatterSchema>
export type DocSection = DocFrontmatter['section']

/** One Markdown document, frontmatter checked, first `# ` heading removed. */
export interface DocSource {
  slug: string
  title: string
  description: string
  section: DocSection
  order: number
  /** Relative to the repository root, e.g. `docs/site/quickstart.md`. */
  path: string
  body: string
}

/**
 * The repository files that are operator docs, with the frontmatter used when a file has none
 * (a file's own frontmatter wins). A file listed here that does not exist is left out (e.g.
 * `docs/scaling.md` before it is written); a `docs/*.md` not listed here is not served, and
 * test/e2e/site-docs.test.ts fails on it.
 */
export const OPERATOR_DOCS: readonly { path: string; fallback: DocFrontmatter }[] = [
  {
    path: 'docs/configuration.md',
    fallback: {
      title: 'Configuration reference',
      description:
        'Every field of the YAML config, its default and the environment variables that override it.',
      section: 'operator',
      order: 10,
    },
  },
  {
    path: 'deploy/README.md',
    fallback: {
      slug: 'deployment',
      title: 'Deployment',
      description:
        'The container image, docker-compose with PostgreSQL, Redis and nginx, and the Kubernetes manifests: what each file does and how it is checked.',
      section: 'operator',
      order: 20,
    },
  },
  {
    path: 'docs/scaling.md',
    fallback: {
      title: 'Scaling out',
      description: 'Running several stateless gateway processes over one PostgreSQL database and one Redis.',
      section: 'operator',
      order: 30,
    },
  },
  {
    path: 'docs/alerts.md',
    fallback: {
      title: 'Alerts and webhooks',
      description: 'Balance and budget alerts by email and signed webhooks, sent once per crossing.',
      section: 'operator',
      order: 40,
    },
  },
  {
    path: 'docs/log-export.md',
    fallback: {
      title: 'Request-log export',
      description:
        'Request logs as CSV or NDJSON for accounting and data warehouses: parameters and columns.',
      section: 'operator',
      order: 50,
    },
  },
  {
    path: 'docs/errors.md',
    fallback: {
      slug: 'error-reference',
      title: 'Error codes (reference)',
      description:
        'The operator’s reference of every error code, with the configuration and the fixed bounds behind them.',
      section: 'operator',
      order: 55,
    },
  },
  {
    path: 'docs/adding-a-provider.md',
    fallback: {
      title: 'Adding a provider',
      description: 'How a provider adapter translates requests, answers and streams, and how to add one.',
      section: 'operator',
      order: 60,
    },
  },
]

/** The folder of the buyer docs, relative to the repository root. */
export const BUYER_DOCS_FOLDER = 'docs/site'

/** Splits `---\nyaml\n---\n` off the top of a file; null when there is none. */
function splitFrontmatter(text: string): { yaml: string | null; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text)
  if (match === null) return { yaml: null, body: text }
  return { yaml: match[1] ?? '', body: text.slice(match[0].length) }
}

/** The frontmatter checked against the schema; throws naming the file and the field. */
function checked(path: string, value: unknown): DocFrontmatter {
  const parsed = frontmatterSchema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  throw new Error(`${path}: frontmatter ${issue?.path.join('.') || '(root)'}: ${issue?.message}`)
}

/** Parses and checks one file's text; throws naming the file and the field. */
export function parseDocSource(path: string, text: string, fallback?: DocFrontmatter): DocSource {
  const { yaml, body } = splitFrontmatter(text)
  let frontmatter: DocFrontmatter
  if (yaml === null) {
    if (fallback === undefined) throw new Error(`${path}: missing frontmatter (---\\ntitle: …\\n---)`)
    frontmatter = checked(path, fallback)
  } else {
    frontmatter = checked(path, parseYaml(yaml))
  }
  const slug = frontmatter.slug ?? path.split('/').pop()!.replace(/\.md$/, '')
  return {
    slug,
    title: frontmatter.title,
    description: frontmatter.description,
    section: frontmatter.section,
    order: frontmatter.order,
    path,
    // The page draws its own <h1> from the title.
    body: body.replace(/^\s*# [^\n]*\n/, ''),
  }
}

/** Reads every doc, buyer then operator, each section by `order`; duplicate slugs fail. */
export function loadDocSources(root: string = REPOSITORY_ROOT): DocSource[] {
  const sources: DocSource[] = []
  const buyerFolder = join(root, BUYER_DOCS_FOLDER)
  if (!existsSync(buyerFolder)) {
    throw new Error(
      `docs: ${buyerFolder} is missing (an image or a copy of the gateway needs docs/ and deploy/README.md)`,
    )
  }
  for (const name of readdirSync(buyerFolder).sort()) {
    if (!name.endsWith('.md') || name === 'README.md') continue
    const path = `${BUYER_DOCS_FOLDER}/${name}`
    sources.push(parseDocSource(path, readFileSync(join(root, path), 'utf8')))
  }
  for (const { path, fallback } of OPERATOR_DOCS) {
    if (!existsSync(join(root, path))) continue
    sources.push(parseDocSource(path, readFileSync(join(root, path), 'utf8'), fallback))
  }
  const seen = new Map<string, string>()
  for (const source of sources) {
    const other = seen.get(source.slug)
    if (other !== undefined) throw new Error(`${source.path}: slug "${source.slug}" is also ${other}'s`)
    seen.set(source.slug, source.path)
  }
  const rank = (section: DocSection) => (section === 'buyer' ? 0 : 1)
  return sources.sort(
    (a, b) => rank(a.section) - rank(b.section) || a.order - b.order || a.slug.localeCompare(b.slug),
  )
}

/**
 * Config error messages a newcomer can act on: an empty file points at the example config, and
 * an unknown field suggests the closest valid one (`server.prot: unknown field; did you mean "port"?`).
 *
 * @module
 */
import type { z } from 'zod'

/** The message for a config file with no content (empty, or only comments). */
export function emptyConfigMessage(source: string): string {
  return (
    `${source === 'inline' ? 'the config' : `config file ${source}`} is empty: start from onekey.example.yaml ` +
    '(cp onekey.example.yaml onekey.yaml), which runs offline with a simulated provider'
  )
}

/** Levenshtein distance: insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    previous = current
  }
  return previous[b.length]!
}

const normalize = (key: string) => key.toLowerCase().replace(/[-_\s]/g, '')

/**
 * The valid key closest to `key`: one that differs only in case, `_` or `-`, else one within
 * Levenshtein distance 2 (1 for keys of 3 characters, none for shorter ones); undefined if none.
 */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  const exact = candidates.find((candidate) => normalize(candidate) === normalize(key))
  if (exact !== undefined) return exact
  const limit = Math.min(2, Math.floor(key.length / 2))
  let best: string | undefined
  let bestDistance = limit + 1
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** The parts of a zod schema's definition that lead to nested objects. */
interface SchemaDef {
  type: string
  shape?: Record<string, z.ZodType>
  innerType?: z.ZodType
  element?: z.ZodType
  valueType?: z.ZodType
  options?: readonly z.ZodType[]
  in?: z.ZodType
  getter?: () => z.ZodType
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def

/** The schemas a value may match, with optional/default/union/pipe wrappers taken off. */
function unwrap(schema: z.ZodType, depth = 0): z.ZodType[] {
  if (depth > 20) return []
  const def = defOf(schema)
  const inner = def.innerType ?? def.in ?? def.getter?.()
  if (inner !== undefined && def.type !== 'array' && def.type !== 'record') return unwrap(inner, depth + 1)
  if (def.options !== undefined) return def.options.flatMap((option) => unwrap(option, depth + 1))
  return [schema]
}

/** The keys the object(s) at `path` accept; empty when the path leads to no object. */
export function validKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  let schemas = unwrap(root)
  for (const segment of path) {
    schemas = schemas.flatMap((schema) => {
      const def = defOf(schema)
      const next =
        def.type === 'object'
          ? def.shape?.[String(segment)]
          : def.type === 'array'
            ? def.element
            : def.type === 'record'
              ? def.valueType
              : undefined
      return next === undefined ? [] : unwrap(next)
    })
  }
  return [...new Set(schemas.flatMap((schema) => Object.keys(defOf(schema).shape ?? {})))]
}

/** One line per problem: the field's path, then what is wrong with it. */
export function formatIssues(error: z.ZodError, root: z.ZodType): string[] {
  return error.issues.flatMap((issue) => {
    const where = issue.path.map(String)
    if (issue.code === 'unrecognized_keys') {
      const valid = validKeysAt(root, issue.path)
      return issue.keys.map((key) => {
        const suggestion = closestKey(key, valid)
        const hint =
          suggestion !== undefined
            ? `; did you mean "${suggestion}"?`
            : valid.length > 0
              ? `; valid fields: ${valid.join(', ')}`
              : ''
        return `${[...where, key].join('.')}: unknown field${hint}`
      })
    }
    return [`${where.join('.') || '(root)'}: ${issue.message}`]
  })
}

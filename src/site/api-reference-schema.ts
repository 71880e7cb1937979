/**
 * JSON Schema (2020-12, as zod writes it) read for people: one row per field, nested objects
 * and arrays of objects flattened to dotted paths (`provider.max_price.prompt`,
 * `messages[].role`), each with its type in words, whether it is required, and its description
 * with the constraints (range, pattern, default). Used by the API reference page.
 *
 * @module
 */

/** A JSON Schema object (the parts this reads). */
export type JsonSchema = Record<string, unknown>

/** One field of a body or answer. */
export interface FieldRow {
  /** Dotted path, `[]` for array items. */
  path: string
  type: string
  required: boolean
  description: string
}

/** What the rows of a schema say about fields not listed. */
export type Extra = 'refused' | 'passed' | 'unspecified'

const MAX_DEPTH = 4

function schemaList(value: unknown): JsonSchema[] {
  return Array.isArray(value) ? (value as JsonSchema[]) : []
}

function isNull(schema: JsonSchema): boolean {
  return schema.type === 'null'
}

/** The non-null alternatives of a schema (`anyOf` with `null` is "nullable"). */
function alternatives(schema: JsonSchema): { options: JsonSchema[]; nullable: boolean } {
  const any = schemaList(schema.anyOf ?? schema.oneOf)
  if (any.length === 0) return { options: [schema], nullable: false }
  return { options: any.filter((option) => !isNull(option)), nullable: any.some(isNull) }
}

/** The type of a schema in a few words: `string`, `integer`, `array of string`, `"a" | "b"`. */
export function typeOf(schema: JsonSchema): string {
  const { options, nullable } = alternatives(schema)
  const words = options.map((option) => {
    if (option.const !== undefined) return JSON.stringify(option.const)
    if (Array.isArray(option.enum)) return option.enum.map((value) => JSON.stringify(value)).join(' | ')
    if (option.type === 'array') {
      const items = (option.items ?? {}) as JsonSchema
      return `array of ${Object.keys(items).length === 0 ? 'any' : typeOf(items)}`
    }
    if (option.type === 'object') return 'object'
    if (typeof option.type === 'string') return option.type
    if (Array.isArray(option.type)) return option.type.join(' or ')
    return 'any'
  })
  const unique = [...new Set(words)]
  return (unique.length === 0 ? ['any'] : unique).join(' or ') + (nullable ? ' or null' : '')
}

/** The constraints worth reading: range, length, pattern, default. */
function constraints(schema: JsonSchema): string[] {
  const notes: string[] = []
  for (const option of alternatives(schema).options) {
    const range = (low: unknown, high: unknown, noun: string) => {
      const unit = (count: string) => (noun === '' ? '' : ` ${noun}${count === '1' ? '' : 's'}`)
      const big = (value: unknown) => typeof value === 'number' && Math.abs(value) >= Number.MAX_SAFE_INTEGER
      const lowText = low === undefined || big(low) ? undefined : String(low)
      const highText = high === undefined || big(high) ? undefined : String(high)
      if (lowText !== undefined && highText !== undefined)
        notes.push(`${lowText} to ${highText}${unit(highText)}`)
      else if (lowText !== undefined) notes.push(`at least ${lowText}${unit(lowText)}`)
      else if (highText !== undefined) notes.push(`at most ${highText}${unit(highText)}`)
    }
    range(option.minimum, option.maximum, '')
    range(option.minLength, option.maxLength, 'character')
    range(option.minItems, option.maxItems, 'item')
    if (typeof option.pattern === 'string') notes.push(`pattern ${option.pattern}`)
  }
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`)
  return notes
}

function describe(schema: JsonSchema): string {
  const text = typeof schema.description === 'string' ? schema.description : ''
  const notes = constraints(schema)
  if (notes.length === 0) return text
  return `${text}${text === '' ? '' : ' '}(${notes.join('; ')})`
}

/** The object schema inside `schema` (itself, a nullable object, or an array's items), if any. */
function objectOf(schema: JsonSchema): { object: JsonSchema; suffix: string } | undefined {
  const { options } = alternatives(schema)
  for (const option of options) {
    if (option.type === 'object' && typeof option.properties === 'object')
      return { object: option, suffix: '' }
    if (option.type === 'array') {
      const items = (option.items ?? {}) as JsonSchema
      const inner = objectOf(items)
      if (inner !== undefined && inner.suffix === '') return { object: inner.object, suffix: '[]' }
    }
  }
  return undefined
}

/** The rows of an object schema's fields, nested ones flattened. */
export function fieldRows(schema: JsonSchema, prefix = '', depth = 0): FieldRow[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : [])
  const rows: FieldRow[] = []
  for (const [name, field] of Object.entries(properties)) {
    const path = `${prefix}${name}`
    rows.push({ path, type: typeOf(field), required: required.has(name), description: describe(field) })
    const inner = objectOf(field)
    if (inner !== undefined && depth < MAX_DEPTH)
      rows.push(...fieldRows(inner.object, `${path}${inner.suffix}.`, depth + 1))
  }
  return rows
}

/** Whether fields beyond the listed ones are refused (`additionalProperties: false`) or passed on. */
export function extraFields(schema: JsonSchema): Extra {
  if (schema.additionalProperties === false) return 'refused'
  if (schema.additionalProperties !== undefined) return 'passed'
  return 'unspecified'
}

/** The alternatives of a top-level schema (a union of objects), or the schema alone. */
export function topAlternatives(schema: JsonSchema): JsonSchema[] {
  const any = schemaList(schema.anyOf ?? schema.oneOf)
  return any.length > 0 && any.every((option) => option.type === 'object') ? any : [schema]
}

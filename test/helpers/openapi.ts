/**
 * Validates values against schemas of the official OpenAI OpenAPI spec
 * (`../shared/spec/openai-openapi.yaml`), so every body and stream chunk the gateway sends is
 * checked against what OpenAI's clients expect. Without the spec (a clone with nothing beside it)
 * the checks are skipped with a message, except under `CI=true`.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { parse } from 'yaml'
import { specPath } from './openai-spec-source.ts'

/** `OPENAI_OPENAPI_SPEC`, `../shared/spec/`, or the pinned copy `npm run spec:fetch` keeps (openai-spec-source.ts). */
const SPEC_PATH = specPath()

let ajv: Ajv2020 | undefined
const IN_CI = process.env.CI === 'true' || process.env.CI === '1'
let warnedMissing = false

/**
 * Whether the spec can be read. A user's clone has no `../shared/`: outside CI the schema checks
 * are then skipped with one message (the rest of each test still runs); in CI they are mandatory.
 */
function specAvailable(): boolean {
  if (existsSync(SPEC_PATH) || IN_CI) return true
  if (!warnedMissing) {
    warnedMissing = true
    console.warn(
      `# SKIP OpenAI schema checks: no spec at ${SPEC_PATH} (run npm run spec:fetch, put shared/ beside the repository, or set OPENAI_OPENAPI_SPEC)`,
    )
  }
  return false
}

/**
 * The spec is OpenAPI 3.1 (JSON Schema 2020-12) but still carries some 3.0-style
 * `nullable: true`; honour the intent (add "null" to the type) and drop the keyword.
 */
function normalizeNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) normalizeNullable(item)
    return
  }
  if (node === null || typeof node !== 'object') return
  const schema = node as Record<string, unknown>
  if (schema.nullable === true) {
    if (typeof schema.type === 'string') schema.type = [schema.type, 'null']
    // `$ref` beside `nullable` (e.g. a stream chunk's `usage`): the referenced schema or null.
    if (typeof schema.$ref === 'string') {
      schema.anyOf = [{ $ref: schema.$ref }, { type: 'null' }]
      delete schema.$ref
    }
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null)
  }
  delete schema.nullable
  for (const value of Object.values(schema)) normalizeNullable(value)
}
const validators = new Map<string, ValidateFunction>()

function getAjv(): Ajv2020 {
  if (ajv === undefined) {
    if (!existsSync(SPEC_PATH)) {
      throw new Error(
        `OpenAI OpenAPI spec not found at ${SPEC_PATH}: put shared/ beside the repository or set OPENAI_OPENAPI_SPEC`,
      )
    }
    const spec = parse(readFileSync(SPEC_PATH, 'utf8'), { maxAliasCount: -1 }) as Record<string, unknown>
    normalizeNullable(spec.components)
    ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
    ajv.addSchema({ $id: 'openai', components: spec.components }, 'openai')
  }
  return ajv
}

/** Asserts `value` matches `#/components/schemas/<name>` of the OpenAI spec. */
export function assertMatchesOpenAISchema(name: string, value: unknown): void {
  if (!specAvailable()) return
  let validate = validators.get(name)
  if (validate === undefined) {
    validate = getAjv().compile({ $ref: `openai#/components/schemas/${name}` })
    validators.set(name, validate)
  }
  if (!validate(value)) {
    assert.fail(
      `does not match OpenAI schema ${name}: ${JSON.stringify(validate.errors?.slice(0, 5))}\nvalue: ${JSON.stringify(value).slice(0, 2000)}`,
    )
  }
}

/**
 * Where the OpenAI OpenAPI spec (the conformance tests' input) comes from: `OPENAI_OPENAPI_SPEC`,
 * else `../shared/spec/` beside the repository, else the copy `npm run spec:fetch` downloaded at a
 * pinned commit and checked against its SHA-256 (kept in node_modules/.cache, never in git).
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The spec's pinned source: openai/openai-openapi (MIT) at one commit, and the file's hash. */
export const SPEC_SOURCE = {
  commit: 'f85dbe223d40e1a31cba812ab2d755c7e98a92a3',
  url: 'https://raw.githubusercontent.com/openai/openai-openapi/f85dbe223d40e1a31cba812ab2d755c7e98a92a3/openapi.yaml',
  sha256: 'db5d7478feae10b4d331834c60d9765a8aa042e38419f9b1694288c11aa8ebc8',
} as const

/** The git-ignored cache the fetch script writes. */
export const SPEC_CACHE_PATH = fileURLToPath(
  new URL(`../../node_modules/.cache/onekey/openai-openapi-${SPEC_SOURCE.commit}.yaml`, import.meta.url),
)

const SHARED_PATH = fileURLToPath(new URL('../../../shared/spec/openai-openapi.yaml', import.meta.url))

/** The first place the spec is found (the shared copy when none is). */
export function specPath(): string {
  if (process.env.OPENAI_OPENAPI_SPEC !== undefined) return process.env.OPENAI_OPENAPI_SPEC
  if (existsSync(SHARED_PATH)) return SHARED_PATH
  if (existsSync(SPEC_CACHE_PATH)) return SPEC_CACHE_PATH
  return SHARED_PATH
}

/**
 * `npm run spec:fetch`: downloads the OpenAI OpenAPI spec the conformance tests read, at the
 * pinned commit, checks its SHA-256 and keeps it in node_modules/.cache (git-ignored). Needed only
 * in a clone with nothing beside it; offline it says so and the schema checks stay skipped.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { SPEC_CACHE_PATH, SPEC_SOURCE } from '../helpers/openai-spec-source.ts'

// Overridable for the script's own test (a local server, a temporary file).
const url = process.env.OPENAI_SPEC_URL ?? SPEC_SOURCE.url
const cachePath = process.env.OPENAI_SPEC_CACHE ?? SPEC_CACHE_PATH

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) })
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
  const bytes = Buffer.from(await response.arrayBuffer())
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  if (sha256 !== SPEC_SOURCE.sha256)
    throw new Error(`SHA-256 ${sha256} is not the pinned ${SPEC_SOURCE.sha256}`)
  mkdirSync(dirname(cachePath), { recursive: true })
  writeFileSync(cachePath, bytes)
  console.log(`spec:fetch: saved ${cachePath} (${bytes.byteLength} bytes, SHA-256 verified)`)
} catch (error) {
  console.error(`spec:fetch: could not download ${url}: ${(error as Error).message}`)
  console.error(
    'spec:fetch: the OpenAI schema checks stay skipped outside CI (put shared/spec/ beside the repository, or set OPENAI_OPENAPI_SPEC)',
  )
  process.exitCode = 1
}

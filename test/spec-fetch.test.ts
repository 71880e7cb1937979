/**
 * `npm run spec:fetch` keeps only the pinned spec: a download whose SHA-256 differs is refused
 * and nothing is cached; the genuine file (when this machine has it beside the repository) is
 * cached. Served from 127.0.0.1, never the internet.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const SCRIPT = join(import.meta.dirname, 'tools', 'fetch-openai-spec.ts')
const SHARED = fileURLToPath(new URL('../../shared/spec/openai-openapi.yaml', import.meta.url))

test('spec:fetch caches the pinned spec only when its SHA-256 matches', async () => {
  let body: Buffer = Buffer.from('openapi: 3.1.0\ninfo: { title: not the pinned spec }\n')
  const server = createServer((_request, response) => response.end(body))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const directory = mkdtempSync(join(tmpdir(), 'onekey-spec-'))
  const cache = join(directory, 'spec.yaml')
  const env = {
    ...process.env,
    OPENAI_SPEC_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.yaml`,
    OPENAI_SPEC_CACHE: cache,
  }
  try {
    await assert.rejects(
      run(process.execPath, ['--disable-warning=ExperimentalWarning', SCRIPT], { env }),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1)
        assert.match(error.stderr, /is not the pinned/)
        return true
      },
    )
    assert.equal(existsSync(cache), false, 'nothing cached')
    if (existsSync(SHARED)) {
      body = readFileSync(SHARED)
      const { stdout } = await run(process.execPath, ['--disable-warning=ExperimentalWarning', SCRIPT], {
        env,
      })
      assert.match(stdout, /SHA-256 verified/)
      assert.ok(readFileSync(cache).equals(body))
    }
  } finally {
    server.close()
    rmSync(directory, { recursive: true, force: true })
  }
})

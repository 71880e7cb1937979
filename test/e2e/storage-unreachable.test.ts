/**
 * `onekey migrate` against a database that is not there: one friendly line on stderr (URL with
 * the password masked, what to check), no stack trace, a non-zero exit.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
const CLI = join(import.meta.dirname, '../../src/cli/onekey.ts')

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function configWithStorage(url: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-storage-unreachable-'))
  const path = join(directory, 'onekey.yaml')
  writeFileSync(
    path,
    [
      'storage:',
      `  url: ${JSON.stringify(url)}`,
      'providers:',
      '  - name: sim',
      '    kind: sim',
      'models:',
      '  - id: m',
      '    offers:',
      '      - { lane: cheap, provider: sim, price: { input: "0.1", output: "0.4" } }',
      '',
    ].join('\n'),
  )
  return path
}

async function migrate(configPath: string): Promise<{ code: number; stderr: string }> {
  const env = { ...process.env }
  delete env.ONEKEY_STORAGE_URL
  return run(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', CLI, 'migrate', '--config', configPath],
    {
      env,
    },
  ).then(
    () => assert.fail('migrate should fail'),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  )
}

test('onekey migrate with PostgreSQL down: exit 1, the masked URL and what to check, no stack', async () => {
  const port = await closedPort()
  const { code, stderr } = await migrate(
    configWithStorage(`postgres://onekey:hunter2-secret@127.0.0.1:${port}/onekey`),
  )
  assert.equal(code, 1)
  assert.match(
    stderr,
    new RegExp(
      `^onekey: cannot connect to PostgreSQL at postgres://onekey:\\*\\*\\*@127\\.0\\.0\\.1:${port}/onekey`,
    ),
  )
  assert.match(stderr, /is PostgreSQL running/)
  assert.doesNotMatch(stderr, /hunter2/)
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')
})

test('onekey migrate with an unopenable SQLite path: exit 1, the path and what to check, no stack', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-storage-unreachable-'))
  writeFileSync(join(directory, 'file'), '')
  const { code, stderr } = await migrate(
    configWithStorage(`sqlite:${join(directory, 'file', 'sub', 'onekey.db')}`),
  )
  assert.equal(code, 1)
  assert.match(stderr, /^onekey: cannot open SQLite database /)
  assert.match(stderr, /writable/)
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')
})

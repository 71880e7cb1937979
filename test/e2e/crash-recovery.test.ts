/**
 * A gateway killed with SIGKILL in the middle of a stream leaves its hold open; the next
 * process releases it once it has expired (nobody renewed it), and the ledger reconciles.
 */
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { onekeyCommand, startServeProcess } from '../helpers/serve-process.ts'

const directory = mkdtempSync(join(tmpdir(), 'onekey-crash-'))
const configPath = join(directory, 'onekey.yaml')
const started: ChildProcess[] = []

writeFileSync(
  configPath,
  [
    'server: { host: 127.0.0.1, port: 0 }',
    `storage: { url: "sqlite:${join(directory, 'onekey.db')}" }`,
    'billing: { hold_ttl_ms: 600, sweep_interval_ms: 100 }',
    'providers:',
    '  - { name: sim, kind: sim, sim: { latency_ms: 0, tokens_per_second: 4 } }',
    'models:',
    '  - { id: slow, offers: [{ lane: cheap, provider: sim, price: { input: 1, output: 1 } }] }',
  ].join('\n'),
)

const onekey = onekeyCommand(configPath)

async function serve(): Promise<{ process: ChildProcess; url: string }> {
  const { child, url } = await startServeProcess(configPath)
  started.push(child)
  return { process: child, url }
}

after(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(directory, { recursive: true, force: true })
})

test('SIGKILL mid-stream: on restart the hold is released and the ledger reconciles', async () => {
  await onekey('workspace', 'create', 'acme')
  await onekey('credits', 'top-up', 'acme', '1', '--kind', 'adjustment')
  const { key } = JSON.parse(await onekey('key', 'create', '--workspace', 'acme', '--json'))
  const first = await serve()
  const response = await fetch(`${first.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'slow',
      stream: true,
      max_tokens: 50,
      messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }],
    }),
  })
  const reader = response.body!.getReader()
  await reader.read()
  const held = JSON.parse(await onekey('credits', 'show', 'acme', '--json'))
  assert.notEqual(held.held, '0', 'the running stream holds its maximum cost')
  first.process.kill('SIGKILL')
  await reader.read().catch(() => undefined)

  await serve()
  // The CLI's JSON is the API's shape: exact decimal USD strings.
  let stillHeld: string = held.held
  for (let attempt = 0; attempt < 100 && stillHeld !== '0'; attempt++) {
    await sleep(100)
    stillHeld = JSON.parse(await onekey('credits', 'show', 'acme', '--json')).held
  }
  assert.equal(stillHeld, '0', 'the orphaned hold was released')
  const after = JSON.parse(await onekey('credits', 'show', 'acme', '--json'))
  assert.equal(after.balance, '1', 'nothing was charged for the killed request')
  assert.match(await onekey('ledger', 'verify'), /ledger verified/)
})

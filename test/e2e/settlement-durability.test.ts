/**
 * What a kill costs in charges (issue 15, finding 4), with `onekey serve` as a real process on a
 * SQLite file, a burst of answers and the process stopped mid-burst:
 * - `billing.durable_settlement: true` and SIGKILL: every answer a client received whole (the
 *   JSON body; the stream's [DONE]) is charged: its charge was committed before its end was sent.
 * - the default and SIGTERM: every answer is charged (the shutdown drains the settlements).
 * - the default and SIGKILL: at most the answers of the last batch window are lost (README).
 */
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createStore } from '../../src/storage/create-store.ts'
import { onekeyCommand, startServeProcess } from '../helpers/serve-process.ts'

const directories: string[] = []
const started: ChildProcess[] = []

after(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL')
  for (const directory of directories) rmSync(directory, { recursive: true, force: true })
})

interface Setup {
  configPath: string
  databasePath: string
  key: string
}

async function setUp(durable: boolean): Promise<Setup> {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-durable-'))
  directories.push(directory)
  const configPath = join(directory, 'onekey.yaml')
  const databasePath = join(directory, 'onekey.db')
  writeFileSync(
    configPath,
    [
      'server: { host: 127.0.0.1, port: 0, shutdown_grace_ms: 5000 }',
      `storage: { url: "sqlite:${databasePath}" }`,
      `billing: { durable_settlement: ${durable} }`,
      'log: { requests: false }',
      'limits: { default_tier: open, tiers: { open: { rpm: 1000000, tpm: 1000000000000, concurrency: 100000 } } }',
      'providers:',
      '  - { name: sim, kind: sim, sim: { latency_ms: 0, tokens_per_second: 5000 } }',
      'models:',
      '  - { id: echo, offers: [{ lane: cheap, provider: sim, price: { input: 1, output: 1 } }] }',
    ].join('\n'),
  )
  const onekey = onekeyCommand(configPath)
  await onekey('workspace', 'create', 'acme')
  await onekey('credits', 'top-up', 'acme', '100', '--kind', 'adjustment')
  const { key } = JSON.parse(await onekey('key', 'create', '--workspace', 'acme', '--json'))
  return { configPath, databasePath, key }
}

async function serve(configPath: string): Promise<{ child: ChildProcess; url: string }> {
  const server = await startServeProcess(configPath)
  started.push(server.child)
  return server
}

/** An answer the client received whole, with what it said it cost. */
interface Received {
  generationId: string
  costNano: number
}

function nano(cost: string): number {
  const [whole, fraction = ''] = cost.split('.')
  return Number(whole) * 1e9 + Number(fraction.padEnd(9, '0'))
}

/** One request, JSON or stream; the answer if it arrived whole, else undefined. */
async function ask(url: string, key: string, stream: boolean, index: number): Promise<Received | undefined> {
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'echo',
        max_tokens: 20,
        messages: [{ role: 'user', content: `request ${index}: one two three four five` }],
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      }),
      signal: AbortSignal.timeout(10_000),
    })
    const text = await response.text()
    if (response.status !== 200) return undefined
    const generationId = response.headers.get('x-onekey-generation-id')!
    if (!stream) return { generationId, costNano: nano(JSON.parse(text).usage.cost_details.total) }
    const events = text
      .split('\n\n')
      .filter((event) => event.startsWith('data: '))
      .map((event) => event.slice(6))
    if (events.at(-1) !== '[DONE]') return undefined
    const usage = JSON.parse(events.at(-2)!).usage
    return { generationId, costNano: nano(usage.cost_details.total) }
  } catch {
    return undefined // cut by the kill
  }
}

/**
 * Eight clients send requests back to back (half of them streams); the server gets `signal`
 * after `killAfterMs`. Bounded: at most 2,000 requests, and each client stops when the server is gone.
 */
async function burst(setup: Setup, signal: NodeJS.Signals, killAfterMs: number) {
  const server = await serve(setup.configPath)
  const received: Received[] = []
  let sent = 0
  let stopped = false
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  const killer = (async () => {
    await sleep(killAfterMs)
    server.child.kill(signal)
    await exited
    stopped = true
  })()
  await Promise.all(
    Array.from({ length: 8 }, async (_, client) => {
      while (!stopped && sent < 2_000) {
        const index = sent++
        const answer = await ask(server.url, setup.key, (index + client) % 2 === 0, index)
        if (answer !== undefined) received.push(answer)
        else if (server.child.exitCode !== null || server.child.signalCode !== null) break
      }
    }),
  )
  await killer
  return { received, sent }
}

/** What the database says each received answer was charged (absent: not charged). */
async function chargesOf(setup: Setup, received: Received[]) {
  const store = await createStore({ kind: 'sqlite', path: setup.databasePath })
  try {
    const [workspace] = await store.workspaces.list()
    const charged = new Map<string, number>()
    for (const answer of received) {
      const row = await store.requestLogs.find(workspace!.id, answer.generationId)
      if (row !== undefined && row.chargedNano > 0) charged.set(answer.generationId, row.chargedNano)
    }
    const ledger = await store.ledger.verify()
    return { charged, ledger }
  } finally {
    await store.close()
  }
}

test('durable settlement, SIGKILL mid-burst: every answer received whole is charged what it said', async () => {
  const setup = await setUp(true)
  const { received, sent } = await burst(setup, 'SIGKILL', 700)
  assert.ok(received.length >= 20, `a burst was answered (${received.length} of ${sent})`)
  const { charged, ledger } = await chargesOf(setup, received)
  const lost = received.filter((answer) => charged.get(answer.generationId) !== answer.costNano)
  assert.deepEqual(lost, [], `${lost.length} of ${received.length} received answers not charged`)
  assert.deepEqual(ledger, [], 'the ledger reconciles (the killed instance still holds its open holds)')
})

test('the default batches, SIGTERM mid-burst: the shutdown drains every charge', async () => {
  const setup = await setUp(false)
  const { received } = await burst(setup, 'SIGTERM', 700)
  assert.ok(received.length >= 20)
  const { charged, ledger } = await chargesOf(setup, received)
  const lost = received.filter((answer) => charged.get(answer.generationId) !== answer.costNano)
  assert.deepEqual(lost, [], `${lost.length} of ${received.length} received answers not charged`)
  assert.deepEqual(ledger, [])
})

test('the default batches, SIGKILL mid-burst: the loss is bounded by the batch window', async () => {
  const setup = await setUp(false)
  const { received } = await burst(setup, 'SIGKILL', 700)
  const { charged, ledger } = await chargesOf(setup, received)
  const lost = received.filter((answer) => !charged.has(answer.generationId))
  // Eight clients at a few ms per answer: a 20 ms window (plus its commit) holds a few dozen at most.
  assert.ok(lost.length <= 8 * 10, `lost ${lost.length} of ${received.length}`)
  assert.deepEqual(ledger, [])
})

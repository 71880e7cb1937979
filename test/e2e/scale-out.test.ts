/**
 * Scale-out as it runs: two `onekey serve` processes on loopback sharing the real PostgreSQL
 * (ledger, keys, logs) and Redis (limits, slots, circuits). Limits, concurrency, revocation and
 * balances hold across both, exactly.
 */
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import {
  dropSchema,
  postgresSkipReason,
  redisSkipReason,
  TEST_POSTGRES_URL,
  TEST_REDIS_URL,
  uniqueSchemaName,
} from '../helpers/backends.ts'
import { onekeyCommand, startServeProcess } from '../helpers/serve-process.ts'

const skip = (await postgresSkipReason()) || (await redisSkipReason())

// "hi" is estimated at 8 prompt tokens; the fake reports 8 + 10: 18 tokens at $1/1M = 18000 nano-USD.
const answer = chatCompletionBody('ok', 'm', { prompt_tokens: 8, completion_tokens: 10, total_tokens: 18 })

describe('two gateway processes on PostgreSQL and Redis', { skip }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-scale-'))
  const configPath = join(directory, 'onekey.yaml')
  const schema = uniqueSchemaName('scale')
  const processes: ChildProcess[] = []
  let upstream: FakeUpstream
  let urls: string[] = []

  const onekey = onekeyCommand(configPath)

  async function serve(): Promise<string> {
    const { child, url } = await startServeProcess(configPath, {
      ...process.env,
      FAKE_KEY: 'sk-fake-scale-0123456789',
    })
    processes.push(child)
    return url
  }

  before(async () => {
    upstream = await startFakeUpstream({ kind: 'delay', ms: 150, step: { kind: 'json', body: answer } })
    writeFileSync(
      configPath,
      [
        'server: { host: 127.0.0.1, port: 0 }',
        `storage: { url: "${TEST_POSTGRES_URL}?schema=${schema}" }`,
        `redis: { url: "${TEST_REDIS_URL}", key_prefix: "onekey-test:${randomUUID()}:" }`,
        'auth: { cache_ttl_ms: 200 }',
        'log: { requests: false }',
        'cache: { enabled: false }',
        'limits: { default_tier: small, tiers: { small: { rpm: 20, tpm: 10000000, concurrency: 2 }, big: { rpm: 100000, tpm: 10000000000, concurrency: 1000 } } }',
        'providers:',
        `  - { name: fake, kind: openai-compatible, base_url: "${upstream.baseUrl}", accounts: [{ name: a, api_key_env: FAKE_KEY }] }`,
        'models:',
        '  - { id: m, offers: [{ lane: cheap, provider: fake, price: { input: 1, output: 1 } }] }',
      ].join('\n'),
    )
    await onekey('migrate')
    urls = [await serve(), await serve()]
  })
  after(async () => {
    for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL')
    await upstream?.close()
    rmSync(directory, { recursive: true, force: true })
    await dropSchema(schema)
  })

  async function workspaceKey(name: string, credit: string, tier?: string): Promise<string> {
    await onekey('workspace', 'create', name)
    if (tier !== undefined) await onekey('workspace', 'set', name, '--tier', tier)
    await onekey('credits', 'top-up', name, credit, '--kind', 'adjustment')
    return JSON.parse(await onekey('key', 'create', '--workspace', name, '--json')).key
  }

  const chat = (index: number, key: string) =>
    fetch(`${urls[index % 2]}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 }),
    }).then(async (response) => {
      await response.arrayBuffer()
      return response.status
    })

  test('a 20 RPM workspace gets exactly 20 answers across both instances', async () => {
    const key = await workspaceKey('rpm', '10')
    // Windows are fixed minutes (Redis's clock, this machine's): start well inside one.
    const intoMinute = Date.now() % 60_000
    if (intoMinute > 45_000) await sleep(60_000 - intoMinute + 100)
    const statuses: number[] = []
    for (let index = 0; index < 26; index++) statuses.push(await chat(index, key))
    assert.equal(statuses.filter((status) => status === 200).length, 20)
    assert.deepEqual(statuses.slice(20), [429, 429, 429, 429, 429, 429])
  })

  test('a 2-concurrent workspace never has 3 requests upstream at once', async () => {
    const key = await workspaceKey('concurrency', '10')
    upstream.reset()
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, index) => chat(index, key)))
    // Two at once (a request arriving after one of them finished may get the freed slot on a slow
    // machine: the invariant is the overlap checked below).
    const served = statuses.filter((status) => status === 200).length
    assert.ok(served >= 2, `two served (got ${served})`)
    assert.equal(statuses.filter((status) => status === 429).length, 8 - served)
    for (const call of upstream.calls) {
      const overlapping = upstream.calls.filter(
        (other) =>
          other.receivedAtMs <= call.receivedAtMs &&
          (other.closedAtMs ?? Number.POSITIVE_INFINITY) > call.receivedAtMs,
      ).length
      assert.ok(overlapping <= 2, `at most 2 at once (saw ${overlapping})`)
    }
  })

  test('a balance for N requests is never exceeded across both instances', async () => {
    const key = await workspaceKey('balance', '0.000072', 'big') // exactly 4 × $0.000018
    const statuses = await Promise.all(Array.from({ length: 16 }, (_, index) => chat(index, key)))
    assert.equal(statuses.filter((status) => status === 200).length, 4)
    assert.equal(statuses.filter((status) => status === 402).length, 12)
    // The CLI's JSON is the API's shape: exact decimal USD strings.
    let shown = { balance: '-1', held: '-1' }
    for (let attempt = 0; attempt < 100 && (shown.balance !== '0' || shown.held !== '0'); attempt++) {
      await sleep(50)
      shown = JSON.parse(await onekey('credits', 'show', 'balance', '--json'))
    }
    assert.equal(shown.balance, '0')
    assert.equal(shown.held, '0')
    assert.match(await onekey('ledger', 'verify'), /ledger verified/)
  })

  test('a key revoked with the CLI fails on both instances within seconds', async () => {
    const key = await workspaceKey('revoke', '1', 'big')
    assert.equal(await chat(0, key), 200)
    assert.equal(await chat(1, key), 200)
    const [record] = JSON.parse(await onekey('key', 'list', '--workspace', 'revoke', '--json'))
    await onekey('key', 'revoke', record.id)
    const refused = [false, false]
    for (let attempt = 0; attempt < 100 && !refused.every(Boolean); attempt++) {
      for (const index of [0, 1]) {
        if (!refused[index]) refused[index] = (await chat(index, key)) === 401
      }
      if (!refused.every(Boolean)) await sleep(50)
    }
    assert.deepEqual(refused, [true, true])
  })
})

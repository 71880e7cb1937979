/**
 * Scale-out on a Redis Cluster: two `onekey serve` processes on loopback sharing the real
 * PostgreSQL and a real three-node Redis Cluster (test/helpers/redis-cluster.ts) enforce one
 * rate limit and one concurrency limit exactly, as scale-out.test.ts shows on a standalone Redis.
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
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import { type RedisCluster, redisClusterSkipReason, startRedisCluster } from '../helpers/redis-cluster.ts'
import { onekeyCommand, startServeProcess } from '../helpers/serve-process.ts'

const skip = (await redisClusterSkipReason()) || (await postgresSkipReason())
const messages = [{ role: 'user', content: 'hi' }]

const answer = chatCompletionBody('ok', 'm', { prompt_tokens: 8, completion_tokens: 10, total_tokens: 18 })

describe('two gateway processes on PostgreSQL and the Redis Cluster', { skip }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-cluster-scale-'))
  const configPath = join(directory, 'onekey.yaml')
  const schema = uniqueSchemaName('cluster')
  const processes: ChildProcess[] = []
  const onekey = onekeyCommand(configPath)
  let cluster: RedisCluster | undefined
  let upstream: FakeUpstream
  const urls: string[] = []

  before(async () => {
    cluster = await startRedisCluster()
    const nodes = cluster.urls.map((url) => `"${url}"`).join(', ')
    upstream = await startFakeUpstream({ kind: 'delay', ms: 150, step: { kind: 'json', body: answer } })
    writeFileSync(
      configPath,
      [
        'server: { host: 127.0.0.1, port: 0 }',
        `storage: { url: "${TEST_POSTGRES_URL}?schema=${schema}" }`,
        `redis: { cluster_nodes: [${nodes}], key_prefix: "onekey-test:${randomUUID()}:" }`,
        'log: { requests: false }',
        'cache: { enabled: false }',
        'limits: { default_tier: small, tiers: { small: { rpm: 20, tpm: 10000000, concurrency: 2 } } }',
        'providers:',
        `  - { name: fake, kind: openai-compatible, base_url: "${upstream.baseUrl}", accounts: [{ name: a, api_key_env: FAKE_KEY }] }`,
        'models:',
        '  - { id: m, offers: [{ lane: cheap, provider: fake, price: { input: 1, output: 1 } }] }',
      ].join('\n'),
    )
    await onekey('migrate')
    for (let index = 0; index < 2; index++) {
      const { child, url } = await startServeProcess(configPath, {
        ...process.env,
        FAKE_KEY: 'sk-fake-cluster-0123456789',
      })
      processes.push(child)
      urls.push(url)
    }
  })
  after(async () => {
    for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL')
    await upstream?.close()
    await cluster?.close()
    rmSync(directory, { recursive: true, force: true })
    await dropSchema(schema)
  })

  async function workspaceKey(name: string): Promise<string> {
    await onekey('workspace', 'create', name)
    await onekey('credits', 'top-up', name, '10', '--kind', 'adjustment')
    return JSON.parse(await onekey('key', 'create', '--workspace', name, '--json')).key
  }

  const chat = (index: number, key: string) =>
    fetch(`${urls[index % 2]}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, max_tokens: 10 }),
    }).then(async (response) => {
      await response.arrayBuffer()
      return response.status
    })

  test('a 20 RPM workspace gets exactly 20 answers across both instances', async () => {
    const key = await workspaceKey('rpm')
    // Windows are fixed minutes of Redis's clock (this machine's): start well inside one.
    const intoMinute = Date.now() % 60_000
    if (intoMinute > 45_000) await sleep(60_000 - intoMinute + 100)
    const statuses: number[] = []
    for (let index = 0; index < 26; index++) statuses.push(await chat(index, key))
    assert.equal(statuses.filter((status) => status === 200).length, 20)
    assert.deepEqual(statuses.slice(20), [429, 429, 429, 429, 429, 429])
  })

  test('a 2-concurrent workspace never has 3 requests upstream at once', async () => {
    const key = await workspaceKey('concurrency')
    upstream.reset()
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, index) => chat(index, key)))
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
})

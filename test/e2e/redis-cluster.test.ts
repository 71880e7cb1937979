/**
 * Everything the gateway keeps in Redis, on a real three-node Redis Cluster started by the test
 * (test/helpers/redis-cluster.ts): the limiter contract; one request's keys in one slot, and
 * different workspaces spread over the nodes; one script call per admission and one per finish
 * (INFO commandstats and MONITOR); shared circuits and the prompt cache; a crashed node. Two
 * `onekey serve` processes on PostgreSQL + a cluster: redis-cluster-scale-out.test.ts.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { groupedKey, type RateLimiter } from '../../src/ratelimit/rate-limiter.ts'
import type { RedisTarget } from '../../src/ratelimit/redis-connection.ts'
import { createRedisRateLimiter } from '../../src/ratelimit/redis-rate-limiter.ts'
import { describeRateLimiterContract } from '../contract/rate-limiter.contract.ts'
import { chatCompletionBody, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { type RedisCluster, redisClusterSkipReason, startRedisCluster } from '../helpers/redis-cluster.ts'
import { fakeProvider, offer, startTestGateway, TEST_ENV, testConfig } from '../helpers/test-gateway.ts'

const skip = await redisClusterSkipReason()
const cluster: RedisCluster | undefined = skip === false ? await startRedisCluster() : undefined
const target: RedisTarget = { kind: 'cluster', nodes: cluster?.urls ?? [] }
/** One plain connection per node, to look at what each holds and what it ran. */
const nodes = (cluster?.ports ?? []).map((port) => new Redis(port, '127.0.0.1', { lazyConnect: true }))
after(async () => {
  for (const node of nodes) node.disconnect()
  await cluster?.close()
})

const messages = [{ role: 'user', content: 'hi' }]

/** Which node serves each slot, from CLUSTER SLOTS. */
async function slotOwners(): Promise<(slot: number) => number> {
  const ranges = (await nodes[0]!.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][]
  return (slot) => {
    const range = ranges.find(([from, to]) => slot >= from && slot <= to)!
    return nodes.findIndex((node) => node.options.port === range[2][1])
  }
}

/** Calls of each command summed over the nodes, from INFO commandstats. */
async function commandCalls(): Promise<Map<string, number>> {
  const calls = new Map<string, number>()
  for (const node of nodes) {
    for (const match of (await node.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      calls.set(match[1]!, (calls.get(match[1]!) ?? 0) + Number(match[2]))
    }
  }
  return calls
}

const delta = (before: Map<string, number>, now: Map<string, number>, command: string) =>
  (now.get(command) ?? 0) - (before.get(command) ?? 0)

if (skip === false) {
  describeRateLimiterContract('redis cluster', () =>
    createRedisRateLimiter({ redis: target, keyPrefix: `onekey-test:${randomUUID()}:` }),
  )
}

describe('the limiter on a three-node Redis Cluster', { skip }, () => {
  const prefix = `onekey-test:${randomUUID()}:`
  let limiter: RateLimiter
  before(async () => {
    limiter = await createRedisRateLimiter({ redis: target, keyPrefix: prefix })
  })
  after(() => limiter?.close())

  /** A request's checks as the gateway makes them: requests, tokens, a slot, all in one group. */
  const admission = (workspace: string) => ({
    windows: [
      { key: groupedKey(workspace, 'ws:rpm'), cost: 1, rule: { limit: 100, windowMs: 60_000 } },
      { key: groupedKey(workspace, 'ws:tpm'), cost: 50, rule: { limit: 10_000, windowMs: 60_000 } },
    ],
    slots: [{ key: groupedKey(workspace, 'ws:concurrency'), limit: 5, leaseMs: 60_000 }],
  })

  test('one workspace keeps its keys in one slot; workspaces spread over the three nodes', async (t) => {
    const ownerOf = await slotOwners()
    // Workspaces until each node owns two (distinct slots), bounded.
    const chosen: { workspace: string; slot: number; node: number }[] = []
    for (let attempt = 0; attempt < 500 && chosen.length < 6; attempt++) {
      const workspace = `ws_${randomUUID().replaceAll('-', '')}`
      const slot = Number(await nodes[0]!.call('CLUSTER', 'KEYSLOT', `{${workspace}}`))
      const node = ownerOf(slot)
      if (
        chosen.some((item) => item.slot === slot) ||
        chosen.filter((item) => item.node === node).length >= 2
      )
        continue
      chosen.push({ workspace, slot, node })
    }
    assert.equal(chosen.length, 6, 'two workspaces per node')
    for (const { workspace } of chosen) {
      const { windows, slots } = admission(workspace)
      assert.equal((await limiter.batch!.admit(windows, slots)).allowed, true)
    }
    for (const { workspace, slot, node } of chosen) {
      const keys = [
        `${prefix}w:{${workspace}}ws:rpm:60000`,
        `${prefix}w:{${workspace}}ws:tpm:60000`,
        `${prefix}l:{${workspace}}ws:concurrency`,
      ]
      assert.equal(await nodes[node]!.exists(...keys), 3, 'the three keys on the node owning the slot')
      assert.equal(Number(await nodes[node]!.call('CLUSTER', 'COUNTKEYSINSLOT', slot)), 3)
    }
    const perNode: number[] = []
    for (const node of nodes) {
      let cursor = '0'
      let count = 0
      for (let page = 0; page < 1_000; page++) {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000)
        count += keys.length
        cursor = next
        if (cursor === '0') break
      }
      perNode.push(count)
    }
    t.diagnostic(`limiter keys per node: ${perNode.join(', ')}`)
    assert.deepEqual(perNode, [6, 6, 6], 'two workspaces × three keys on every node')
  })

  test('an admission is one script call, and so is its finish', async (t) => {
    const ownerOf = await slotOwners()
    const workspaces: string[] = []
    const covered = new Set<number>()
    for (let attempt = 0; attempt < 500 && covered.size < 3; attempt++) {
      const workspace = `ws_${randomUUID().replaceAll('-', '')}`
      const node = ownerOf(Number(await nodes[0]!.call('CLUSTER', 'KEYSLOT', `{${workspace}}`)))
      if (covered.has(node)) continue
      covered.add(node)
      workspaces.push(workspace)
    }
    assert.equal(workspaces.length, 3)
    const run = async (workspace: string) => {
      const { windows, slots } = admission(workspace)
      const admitted = await limiter.batch!.admit(windows, slots)
      assert.ok(admitted.allowed)
      return admitted.slots[0]!.leaseId!
    }
    const finish = (workspace: string, leaseId: string) =>
      limiter.batch!.finish(
        [{ key: groupedKey(workspace, 'ws:tpm'), cost: -20, rule: { limit: 1, windowMs: 60_000 } }],
        [{ key: groupedKey(workspace, 'ws:concurrency'), leaseId }],
      )
    // Each node learns the scripts once (EVALSHA, NOSCRIPT, EVAL); then EVALSHA alone.
    for (const workspace of workspaces) await finish(workspace, await run(workspace))

    const start = await commandCalls()
    const leases: string[] = []
    for (const workspace of workspaces) leases.push(await run(workspace))
    const admitted = await commandCalls()
    for (const [index, workspace] of workspaces.entries()) await finish(workspace, leases[index]!)
    const finished = await commandCalls()
    t.diagnostic(
      `3 admissions: evalsha ${delta(start, admitted, 'evalsha')}, eval ${delta(start, admitted, 'eval')}; ` +
        `3 finishes: evalsha ${delta(admitted, finished, 'evalsha')}, eval ${delta(admitted, finished, 'eval')}`,
    )
    assert.equal(delta(start, admitted, 'evalsha'), 3, 'one script call per admission')
    assert.equal(delta(start, admitted, 'eval'), 0)
    assert.equal(delta(admitted, finished, 'evalsha'), 3, 'one script call per finish')
    assert.equal(delta(admitted, finished, 'eval'), 0)
  })

  test("what arrives together goes in one script call per workspace's slot, exactly as one by one", async (t) => {
    const ownerOf = await slotOwners()
    const one = `ws_${randomUUID().replaceAll('-', '')}`
    let other = ''
    for (let attempt = 0; attempt < 500 && other === ''; attempt++) {
      const candidate = `ws_${randomUUID().replaceAll('-', '')}`
      const slotOf = async (workspace: string) =>
        Number(await nodes[0]!.call('CLUSTER', 'KEYSLOT', `{${workspace}}`))
      if (ownerOf(await slotOf(candidate)) !== ownerOf(await slotOf(one))) other = candidate
    }
    const rpm = (workspace: string) => ({
      key: groupedKey(workspace, 'ws:rpm'),
      cost: 1,
      rule: { limit: 25, windowMs: 60_000 },
    })
    const start = await commandCalls()
    const results = await Promise.all(
      Array.from({ length: 80 }, (_, index) =>
        limiter.batch!.admit([rpm(index % 2 === 0 ? one : other)], []),
      ),
    )
    const calls = delta(start, await commandCalls(), 'evalsha')
    t.diagnostic(`80 admissions over two workspaces on two nodes: evalsha ${calls}`)
    assert.equal(results.filter((result) => result.allowed).length, 50, '25 per workspace')
    assert.equal(calls, 2, 'one call per group')
  })

  test('a batch whose keys are in different groups is refused before it reaches Redis', async () => {
    const start = await commandCalls()
    await assert.rejects(
      limiter.batch!.admit(
        [{ key: groupedKey('ws_one', 'ws:rpm'), cost: 1, rule: { limit: 5, windowMs: 60_000 } }],
        [{ key: groupedKey('ws_two', 'ws:concurrency'), limit: 1, leaseMs: 60_000 }],
      ),
      /share a group/,
    )
    assert.equal(delta(start, await commandCalls(), 'evalsha'), 0)
  })
})

describe('a node of the cluster crashes', { skip }, () => {
  test('its workspaces fail fast (the policy then answers); the others go on', async (t) => {
    const own = await startRedisCluster()
    const probe = new Redis(own.ports[0]!, '127.0.0.1')
    const limiter = await createRedisRateLimiter({
      redis: { kind: 'cluster', nodes: own.urls },
      keyPrefix: `onekey-test:${randomUUID()}:`,
    })
    try {
      const ranges = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][]
      const portOf = async (workspace: string) => {
        const slot = Number(await probe.call('CLUSTER', 'KEYSLOT', `{${workspace}}`))
        return ranges.find(([from, to]) => slot >= from && slot <= to)![2][1]
      }
      const crashed = own.ports[2]!
      let lost = ''
      let kept = ''
      for (let attempt = 0; attempt < 500 && (lost === '' || kept === ''); attempt++) {
        const workspace = `ws_${randomUUID().replaceAll('-', '')}`
        if ((await portOf(workspace)) === crashed) lost ||= workspace
        else kept ||= workspace
      }
      const admit = (workspace: string) =>
        limiter.batch!.admit(
          [{ key: groupedKey(workspace, 'ws:rpm'), cost: 1, rule: { limit: 100, windowMs: 60_000 } }],
          [{ key: groupedKey(workspace, 'ws:concurrency'), limit: 5, leaseMs: 60_000 }],
        )
      assert.equal((await admit(lost)).allowed, true)
      assert.equal((await admit(kept)).allowed, true)
      await own.crash(crashed)
      const startedAt = Date.now()
      await assert.rejects(admit(lost))
      const failedAfterMs = Date.now() - startedAt
      t.diagnostic(`a workspace on the crashed node failed after ${failedAfterMs} ms`)
      assert.ok(failedAfterMs < 2_000, `bounded retries, not a hang (${failedAfterMs} ms)`)
      // Until the cluster itself declares the node failed (cluster-node-timeout), the rest serves.
      assert.equal((await admit(kept)).allowed, true)
    } finally {
      probe.disconnect()
      await limiter.close()
      await own.close()
    }
  })
})

describe('a gateway on the Redis Cluster', { skip }, () => {
  const prefix = () => `onekey-test:${randomUUID()}:`

  test('the configuration names a cluster by its seed nodes, never together with a url', () => {
    const catalog = {
      providers: [fakeProvider('fake', 'http://127.0.0.1:9')],
      models: [{ id: 'm', offers: [offer('fake')] }],
    }
    const config = testConfig({ ...catalog, redis: { cluster_nodes: cluster!.urls } })
    assert.deepEqual(config.redisClusterNodes, cluster!.urls)
    assert.equal(config.redisUrl, null)
    assert.deepEqual([config.limits.backend, config.cache.backend], ['redis', 'redis'])
    const invalid = (redis: Record<string, unknown>, problem: RegExp) =>
      assert.throws(() => testConfig({ ...catalog, redis }), problem)
    invalid(
      { url: 'redis://127.0.0.1:6379', cluster_nodes: cluster!.urls },
      /either url \(standalone\) or cluster_nodes/,
    )
    invalid({ cluster_nodes: ['127.0.0.1:7000'] }, /a redis:\/\/ or rediss:\/\/ URL/)
    invalid({ cluster_nodes: cluster!.urls, key_prefix: 'one{key}:' }, /key_prefix: no "\{"/)
  })

  test('a request costs at most one script call to admit and one to finish, and no other command', async (t) => {
    const upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok') })
    const gateway = await startTestGateway({
      redis: { cluster_nodes: cluster!.urls, key_prefix: prefix() },
      limits: { default_tier: 't', tiers: { t: { rpm: 1_000, tpm: 1_000_000, concurrency: 10 } } },
      providers: [fakeProvider('fake', upstream.baseUrl)],
      models: [{ id: 'm', offers: [offer('fake')] }],
    })
    const monitors: Redis[] = []
    try {
      // The node owning the workspace's slot learns the scripts with a first request.
      assert.equal((await gateway.post('/v1/chat/completions', { model: 'm', messages })).status, 200)
      const seen: { node: number; command: string }[] = []
      for (const [index, node] of nodes.entries()) {
        const monitor = await node.duplicate().monitor()
        monitor.on('monitor', (_time: string, args: string[], source: string) => {
          // Commands a script runs show as "lua"; the cluster client's slot refreshes are not requests.
          const command = args[0]!.toLowerCase()
          if (source !== 'lua' && !['cluster', 'info', 'ping', 'command'].includes(command))
            seen.push({ node: index, command })
        })
        monitors.push(monitor)
      }
      const start = await commandCalls()
      const requests = 5
      for (let index = 0; index < requests; index++) {
        assert.equal((await gateway.post('/v1/chat/completions', { model: 'm', messages })).status, 200)
      }
      // The finish (refund and release) runs once the answer was sent: wait for it, bounded.
      let calls = start
      for (let attempt = 0; attempt < 100 && delta(start, calls, 'evalsha') < requests * 2; attempt++) {
        await sleep(20)
        calls = await commandCalls()
      }
      await sleep(100)
      calls = await commandCalls()
      t.diagnostic(
        `${requests} requests: evalsha ${delta(start, calls, 'evalsha')}, eval ${delta(start, calls, 'eval')}; ` +
          `commands sent: ${seen.map((item) => item.command).join(' ')}`,
      )
      // A finish may share a call with the next request's admission (it never does alone here).
      const evalsha = delta(start, calls, 'evalsha')
      assert.ok(evalsha >= requests && evalsha <= requests * 2, 'one admission and one finish per request')
      assert.equal(delta(start, calls, 'eval'), 0)
      assert.equal(seen.length, evalsha, 'nothing else sent to Redis')
      assert.ok(seen.every((item) => item.command === 'evalsha'))
      assert.equal(new Set(seen.map((item) => item.node)).size, 1, 'all on the node of the workspace slot')
    } finally {
      for (const monitor of monitors) monitor.disconnect()
      await gateway.close()
      await upstream.close()
    }
  })

  test('a circuit one instance opened is honoured by the others, and by one started later', async () => {
    const upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok') })
    const document = {
      redis: { cluster_nodes: cluster!.urls, key_prefix: prefix() },
      upstream: { cooldown_ms: 60_000 },
      providers: [fakeProvider('fake', upstream.baseUrl)],
      models: [{ id: 'm', offers: [offer('fake')] }],
    }
    const one = await startTestGateway(document)
    const two = await startTestGateway(document)
    let three: Awaited<ReturnType<typeof startTestGateway>> | undefined
    try {
      upstream.script({ kind: 'json', status: 401, body: { error: { message: 'revoked' } } })
      assert.equal((await one.post('/v1/chat/completions', { model: 'm', messages })).status, 200)
      const revokedKey = upstream.calls[0]!.headers.authorization
      const revoked = revokedKey === `Bearer ${TEST_ENV.FAKE_KEY_A}` ? 'fake/a' : 'fake/b'
      let seen = false
      for (let attempt = 0; attempt < 100 && !seen; attempt++) {
        seen = !two.gateway.health.isAvailable(revoked)
        if (!seen) await sleep(20)
      }
      assert.ok(seen, 'the second instance learned of the open circuit')
      three = await startTestGateway(document)
      assert.equal(three.gateway.health.isAvailable(revoked), false, 'a later instance loads it at start')
    } finally {
      await Promise.all([one.close(), two.close(), three?.close()])
      await upstream.close()
    }
  })

  test('an answer one instance cached is a hit on the other', async () => {
    const upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok') })
    const document = {
      redis: { cluster_nodes: cluster!.urls, key_prefix: prefix() },
      cache: { enabled: true },
      providers: [fakeProvider('fake', upstream.baseUrl)],
      models: [{ id: 'm', offers: [offer('fake')] }],
    }
    const one = await startTestGateway(document)
    const two = await startTestGateway(document, {}, { store: one.store, workspaceName: 'second' })
    try {
      const ask = (gateway: typeof one) =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${one.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'shared' }] }),
        })
      assert.equal((await ask(one)).headers.get('x-onekey-cache'), 'miss')
      let status = ''
      for (let attempt = 0; attempt < 50 && status !== 'hit'; attempt++) {
        status = (await ask(two)).headers.get('x-onekey-cache') ?? ''
        if (status !== 'hit') await sleep(20)
      }
      assert.equal(status, 'hit')
      assert.equal(upstream.calls.length, 1)
    } finally {
      await two.close()
      await one.close()
      await upstream.close()
    }
  })
})

/**
 * Three `onekey serve` processes on one PostgreSQL and one Redis behind a round-robin balancer
 * (the deployment of `npm run bench:three`: bench/three-instances-deployment.ts), under a few
 * hundred concurrent requests: every request is spread over the three, limits hold exactly
 * across them (a key's RPM, a key's spend limit), and once settled the money is exact: the
 * balance fell by exactly the charges the request log holds (which are the prices times the
 * fake upstream's usage), no hold is left open, and `onekey ledger verify` passes. Exactness
 * only: nothing here depends on timing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  BENCH_COST_NANO,
  burst,
  type Deployment,
  EXACT_COST_NANO,
  settledExactness,
  startDeployment,
  startOfFreshMinute,
  timedLoad,
} from '../../bench/three-instances-deployment.ts'
import { postgresSkipReason, redisSkipReason } from '../helpers/backends.ts'
import { onekeyCommand } from '../helpers/serve-process.ts'

const skip = (await postgresSkipReason()) || (await redisSkipReason())

const RPM = 20
const SPEND_N = 10
const LOAD = 300
/** Workspaces of the last test's load (one key each), spread over the three instances. */
const WORKSPACES = 16

const count = (statuses: readonly number[], status: number) => statuses.filter((one) => one === status).length

describe('three gateway processes behind a balancer, on PostgreSQL and Redis', {
  skip,
  timeout: 300_000,
}, () => {
  let deployment: Deployment

  before(
    async () => {
      deployment = await startDeployment({
        instances: 3,
        rpm: RPM,
        spendRequests: SPEND_N,
        workspaces: WORKSPACES,
      })
    },
    { timeout: 180_000 },
  )
  after(() => deployment?.close(), { timeout: 30_000 })

  test(`${LOAD} requests at 16 connections: every one answered, a third by each instance`, async () => {
    const statuses = await burst(deployment.url, deployment.keys.bench, {
      count: LOAD,
      connections: 16,
      model: 'bench-model',
    })
    assert.equal(count(statuses, 200), LOAD, `statuses: ${[...new Set(statuses)]}`)
    const stats = await deployment.stats()
    assert.equal(stats.length, 3)
    for (const backend of stats) {
      assert.equal(backend.requests, LOAD / 3, `${backend.origin} served a third`)
      assert.deepEqual(backend.statuses, { 200: LOAD / 3 })
    }
  })

  test(`a key limited to ${RPM} requests a minute gets exactly ${RPM} of ${RPM * 2.4} sent at once across the three`, async () => {
    await startOfFreshMinute(15)
    const statuses = await burst(deployment.url, deployment.keys.rpm, {
      count: RPM * 2.4,
      connections: 12,
      model: 'bench-model',
    })
    assert.equal(count(statuses, 200), RPM)
    assert.equal(count(statuses, 429), RPM * 2.4 - RPM)
  })

  test(`a key whose spend limit covers ${SPEND_N} requests gets exactly ${SPEND_N} of ${SPEND_N * 3}, the rest 402`, async () => {
    const statuses = await burst(deployment.url, deployment.keys.spend, {
      count: SPEND_N * 3,
      connections: 12,
    })
    assert.equal(count(statuses, 200), SPEND_N)
    assert.equal(count(statuses, 402), SPEND_N * 2)
  })

  test('once settled: the balance fell by exactly the logged charges, no hold is open, ledger verify passes', async () => {
    const money = await settledExactness(deployment)
    // Every answered request at its price × the fake upstream's usage (20 prompt, 14 completion tokens).
    const expected = (LOAD + RPM) * BENCH_COST_NANO + SPEND_N * EXACT_COST_NANO
    assert.equal(money.chargedNano, expected)
    assert.equal(money.startingCreditNano - money.balanceNano, expected)
    assert.equal(money.rowsByStatus['200'], LOAD + RPM + SPEND_N)
    assert.equal(money.undercharged, 0)
    assert.deepEqual(
      { held: money.heldNano, instances: money.instanceHoldsNano, budgets: money.budgetHoldsNano },
      { held: 0, instances: 0, budgets: 0 },
    )
    assert.deepEqual(money.mismatches, [])
    const onekey = onekeyCommand(deployment.configPath, {
      ...process.env,
      BENCH_UPSTREAM_KEY: 'sk-bench-upstream',
    })
    assert.match(await onekey('ledger', 'verify'), /ledger verified/)
  })

  // Batches of settlements and reservations span workspaces: each locks its workspaces' balance
  // rows in workspace ID order (storage/ledger-repository.ts), so instances whose batches meet the
  // same workspaces wait for each other instead of deadlocking (which once lost charges here).
  test(`${WORKSPACES} workspaces at once across the three: every answer charged at its cost, no hold left open`, async () => {
    const before = await settledExactness(deployment)
    const result = await timedLoad(deployment.url, deployment.keys.load.slice(1), {
      connections: WORKSPACES,
      durationMs: 8_000,
    })
    assert.deepEqual(result.statuses, { 200: result.requests })
    const money = await settledExactness(deployment)
    assert.equal(money.chargedNano - before.chargedNano, result.requests * BENCH_COST_NANO)
    assert.equal(money.undercharged, 0)
    assert.deepEqual([money.heldNano, money.instanceHoldsNano], [0, 0])
    assert.deepEqual(money.mismatches, [])
  })
})

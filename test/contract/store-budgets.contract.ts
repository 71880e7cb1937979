/**
 * The Store contract's spend-limit part: a key's limits are checked in the same locked
 * transaction as the balance (concurrent batches from two instances never hold past a limit),
 * settlements are capped by what a limit leaves and move its counters, releases and a silent
 * instance's reclaimed holds give the limit back, counters start from the request log and
 * restart with each period. Writes the workspace `ws_budget` only.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Store } from '../../src/storage/store.ts'
import { entry, logRow } from './store-records.ts'

const T = '2026-12-09T10:00:00.000Z' // a Wednesday
const WS = 'ws_budget'
const KEY = 'key_budget'

/** Registers the budget tests against the suite's one store. */
export function storeBudgetsContract(getStore: () => Store): void {
  test('budgets: a key limit holds across concurrent batches of two instances; charges capped, counters moved, holds reclaimed', async () => {
    const store = getStore()
    await store.workspaces.create({ id: WS, name: 'budget', createdAt: T })
    await store.ledger.append([entry({ id: 'le_budget', workspaceId: WS, amountNano: 10_000, createdAt: T })])
    // Earlier charges of the key this month (and one of another key): counters start from them.
    const charged = (id: string, keyId: string, at: string, nano: number) =>
      logRow(id, { workspaceId: WS, keyId, costNano: nano, chargedNano: nano, createdAt: at })
    await store.requestLogs.insertMany([
      charged('b_old_month', KEY, '2026-11-30T12:00:00.000Z', 40),
      charged('b_this_month', KEY, '2026-12-02T12:00:00.000Z', 30),
      charged('b_other_key', 'key_other', '2026-12-08T09:00:00.000Z', 1_000),
    ])
    const budget = await store.budgets.set({
      scope: 'key',
      scopeId: KEY,
      workspaceId: WS,
      limits: { total: 2_000, day: 500, week: null, month: null },
      at: T,
    })
    assert.equal(budget.active, true)
    assert.deepEqual(
      [budget.periods.total.spentNano, budget.periods.day.spentNano, budget.periods.month.spentNano],
      [70, 0, 30],
      'counters start from the request log, per period',
    )

    const hold = { workspaceId: WS, amountNano: 100, budgetScopes: [KEY] }
    const results = (
      await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          store.ledger.reserveMany(index % 2 === 0 ? 'gw_a' : 'gw_b', [hold, hold, hold, hold, hold], T),
        ),
      )
    ).flat()
    const granted = results.filter((result) => result.reserved)
    assert.equal(granted.length, 5, 'exactly what the daily limit covers')
    assert.ok(
      granted.every((result) => result.reserved && result.extraNano === 0),
      'no headroom under a limit',
    )
    assert.deepEqual(
      results.find((result) => !result.reserved),
      {
        reserved: false,
        availableNano: 9_500,
        budget: {
          scope: 'key',
          scopeId: KEY,
          period: 'day',
          limitNano: 500,
          spentNano: 0,
          heldNano: 500,
          resetsAt: '2026-12-10T00:00:00.000Z',
        },
      },
    )
    // A hold without the key's scope (another key) is not limited by it.
    assert.deepEqual(await store.ledger.reserveMany('gw_a', [{ workspaceId: WS, amountNano: 100 }], T), [
      { reserved: true, extraNano: 0 },
    ])
    await store.ledger.releaseMany('gw_a', [{ workspaceId: WS, amountNano: 100 }], T)

    // Whichever instance won the race, its releases give the limit back; then a known split.
    const byInstance = new Map<string, number>()
    for (const [index, result] of results.entries()) {
      if (!result.reserved) continue
      const instance = Math.floor(index / 5) % 2 === 0 ? 'gw_a' : 'gw_b'
      byInstance.set(instance, (byInstance.get(instance) ?? 0) + 1)
    }
    for (const [instance, count] of byInstance) {
      await store.ledger.releaseMany(instance, Array(count).fill(hold), T)
    }
    assert.equal((await store.budgets.find([KEY], T)).get(KEY)!.heldNano, 0)
    assert.equal((await store.ledger.balance(WS)).heldNano, 0)
    const onA = 3
    await store.ledger.reserveMany('gw_a', [hold, hold, hold], T)
    await store.ledger.reserveMany('gw_b', [hold, hold], T)

    // Settling on gw_a: a cost above the hold is capped at the hold (the limit leaves nothing more).
    const settlement = (id: string, costNano: number) => ({
      workspaceId: WS,
      budgetScopes: [KEY],
      holdNano: 100,
      costNano,
      entryId: `le_${id}`,
      record: logRow(id, { workspaceId: WS, keyId: KEY, costNano, createdAt: T }),
      at: T,
    })
    const { charges, observations } = await store.ledger.settleMany('gw_a', [settlement('b_s1', 150)])
    assert.deepEqual(charges, [{ chargedNano: 100 }])
    const observed = observations[0]!
    assert.deepEqual([observed.balanceBeforeNano, observed.balanceAfterNano], [10_000, 9_900])
    assert.deepEqual(
      observed.budgets.map((item) => [
        item.period,
        item.limitNano,
        item.spentBeforeNano,
        item.spentAfterNano,
      ]),
      [
        ['total', 2_000, 70, 170],
        ['day', 500, 0, 100],
      ],
    )
    // A release gives its share of the limit back.
    await store.ledger.releaseMany('gw_a', [{ workspaceId: WS, amountNano: 100, budgetScopes: [KEY] }], T)
    let now = (await store.budgets.find([KEY], T)).get(KEY)!
    assert.equal(now.heldNano, 500 - 200)
    assert.equal(now.periods.day.spentNano, 100)

    // gw_b goes silent while gw_a beats: gw_b's holds come back to the limit and the balance.
    await store.ledger.heartbeat('gw_a', '2026-12-09T10:10:00.000Z')
    await store.ledger.reclaimStale('2026-12-09T10:05:00.000Z')
    now = (await store.budgets.find([KEY], T)).get(KEY)!
    assert.equal(now.heldNano, (onA - 2) * 100, "only gw_a's remaining holds")
    assert.equal((await store.ledger.balance(WS)).heldNano, (onA - 2) * 100)

    // The next day the daily counter reads zero; the total keeps counting.
    const tomorrow = (await store.budgets.find([KEY], '2026-12-10T08:00:00.000Z')).get(KEY)!
    assert.deepEqual([tomorrow.periods.day.spentNano, tomorrow.periods.total.spentNano], [0, 170])

    // Changing a limit keeps the counters; removing every limit stops the checks.
    await store.budgets.set({
      scope: 'key',
      scopeId: KEY,
      workspaceId: WS,
      limits: { total: null, day: 1_000, week: null, month: null },
      at: T,
    })
    assert.equal((await store.budgets.find([KEY], T)).get(KEY)!.periods.total.spentNano, 170)
    const off = await store.budgets.set({
      scope: 'key',
      scopeId: KEY,
      workspaceId: WS,
      limits: { total: null, day: null, week: null, month: null },
      at: T,
    })
    assert.equal(off.active, false)
    assert.deepEqual(await store.ledger.reserveMany('gw_a', [{ ...hold, amountNano: 5_000 }], T), [
      { reserved: true, extraNano: 0 },
    ])
    // (Usage since today: the request-log rows above stand for charges made without this ledger.)
    assert.deepEqual(await store.ledger.verify({ usageSince: '2026-12-09T00:00:00.000Z' }), [])
  })

  test('budgets: a workspace limit counts every key; charged() reads the request log', async () => {
    const store = getStore()
    const limited = await store.budgets.set({
      scope: 'workspace',
      scopeId: WS,
      workspaceId: WS,
      limits: { total: null, day: null, week: null, month: 1_300 },
      at: T,
    })
    // This month: 30 + 1000 (other key) + 100 (settled above) = 1130.
    assert.equal(limited.periods.month.spentNano, 1_130)
    const workspaceHold = { workspaceId: WS, amountNano: 100, budgetScopes: [WS] }
    const results = await store.ledger.reserveMany('gw_c', [workspaceHold, workspaceHold], T)
    assert.deepEqual(
      results.map((result) => result.reserved),
      [true, false],
    )
    assert.equal(
      (await store.budgets.charged({ scope: 'key', scopeId: KEY, workspaceId: WS, at: T })).total,
      170,
    )
    assert.deepEqual(
      (await store.budgets.list(WS, T)).map((item) => [item.scope, item.scopeId]),
      [
        ['key', KEY],
        ['workspace', WS],
      ].sort((a, b) => a[1]!.localeCompare(b[1]!)),
    )
  })
}

/**
 * The Store contract's money part: the ledger, holds and settlements, credit lots and credit
 * codes. Runs after the accounts part; writes the workspaces `ws_money` and `ws_holds` that the
 * request-log part reads and writes.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InsufficientFundsError, type Store } from '../../src/storage/store.ts'
import { entry, settledRow, LEDGER_TIME as T } from './store-records.ts'

/** Registers the ledger tests, in order, against the suite's one store. */
export function storeLedgerContract(getStore: () => Store): void {
  test('ledger: entries move the balance; idempotency keys make replays harmless', async () => {
    const store = getStore()
    await store.workspaces.create({ id: 'ws_money', name: 'money', createdAt: T })
    await store.ledger.open('ws_money', T)
    const first = await store.ledger.append([
      entry({ id: 'le_1', amountNano: 10_000_000_000, idempotencyKey: 'topup-1' }),
      entry({ id: 'le_2', kind: 'purchase_fee', amountNano: -850_000_000, idempotencyKey: 'topup-1:fee' }),
    ])
    assert.equal(first.replayed, false)
    assert.deepEqual(
      first.entries.map((item) => item.balanceAfterNano),
      [10_000_000_000, 9_150_000_000],
    )
    const replay = await store.ledger.append([
      entry({ id: 'le_3', amountNano: 10_000_000_000, idempotencyKey: 'topup-1' }),
      entry({ id: 'le_4', kind: 'purchase_fee', amountNano: -850_000_000, idempotencyKey: 'topup-1:fee' }),
    ])
    assert.equal(replay.replayed, true)
    assert.deepEqual(
      replay.entries.map((item) => item.id),
      ['le_1', 'le_2'],
    )
    assert.deepEqual(await store.ledger.balance('ws_money'), { balanceNano: 9_150_000_000, heldNano: 0 })
    await assert.rejects(
      store.ledger.append([entry({ id: 'le_5', kind: 'adjustment', amountNano: -10_000_000_000 })]),
      (error: unknown) => error instanceof InsufficientFundsError && error.availableNano === 9_150_000_000,
    )
    assert.deepEqual(
      (await store.ledger.list('ws_money', { limit: 1 })).map((item) => item.id),
      ['le_2'],
    )
    assert.deepEqual(
      (await store.ledger.list('ws_money', { limit: 5, before: 'le_2' })).map((item) => item.id),
      ['le_1'],
    )
  })

  test('holds: concurrent reservations never overspend; settlements charge at most the hold plus free balance; silent instances are reclaimed', async () => {
    const store = getStore()
    // The race: six batches from two instances at once, exactly ten holds of 100 fit in 1000.
    await store.workspaces.create({ id: 'ws_race', name: 'race', createdAt: T })
    await store.ledger.append([entry({ id: 'le_race', workspaceId: 'ws_race', amountNano: 1_000 })])
    const raced = { workspaceId: 'ws_race', amountNano: 100 }
    const results = (
      await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          store.ledger.reserveMany(index % 2 === 0 ? 'gw_a' : 'gw_b', [raced, raced, raced, raced, raced], T),
        ),
      )
    ).flat()
    assert.equal(results.filter((result) => result.reserved).length, 10, 'exactly what the balance covers')
    assert.deepEqual(
      results.find((result) => !result.reserved),
      { reserved: false, availableNano: 0 },
    )
    assert.deepEqual(await store.ledger.balance('ws_race'), { balanceNano: 1_000, heldNano: 1_000 })

    await store.workspaces.create({ id: 'ws_holds', name: 'holds', createdAt: T })
    await store.ledger.append([entry({ id: 'le_h1', workspaceId: 'ws_holds', amountNano: 1_000 })])
    const hold = { workspaceId: 'ws_holds', amountNano: 100 }
    await store.ledger.reserveMany('gw_a', [hold, hold, hold, hold, hold], T)
    await store.ledger.reserveMany('gw_b', [hold, hold, hold, hold, hold, hold], T)
    assert.deepEqual(await store.ledger.balance('ws_holds'), { balanceNano: 1_000, heldNano: 1_000 })

    const settlement = (costNano: number, key: string) => ({
      workspaceId: 'ws_holds',
      holdNano: 100,
      costNano,
      entryId: `le_${key}`,
      record: settledRow(`gen_${key}`, 'ws_holds', costNano),
      at: T,
    })
    const { charges, observations } = await store.ledger.settleMany('gw_a', [
      settlement(60, 'c1'),
      settlement(500, 'c2'),
    ])
    const [plain, capped] = charges
    // What the batch did to the workspace, for alerts and auto top-up: balance before and after.
    assert.deepEqual(
      observations.map((item) => [
        item.workspaceId,
        item.balanceBeforeNano,
        item.balanceAfterNano,
        item.entryId,
      ]),
      [['ws_holds', 1000, 800, 'le_c1']],
    )
    assert.deepEqual(plain, { chargedNano: 60 })
    // after the first: 940 left, 900 held → free 40; a 500 cost on a 100 hold is capped at 140
    assert.deepEqual(capped, { chargedNano: 140 })
    assert.deepEqual(await store.ledger.balance('ws_holds'), { balanceNano: 800, heldNano: 800 })
    // One usage entry for the batch in this workspace; each request's charge is on its row.
    const usage = (await store.ledger.list('ws_holds', { limit: 10 })).find((item) => item.kind === 'usage')
    assert.deepEqual(
      [usage?.id, usage?.kind, usage?.amountNano, usage?.balanceAfterNano, usage?.requestId],
      ['le_c1', 'usage', -200, 800, null],
    )
    const [first, second] = [
      await store.requestLogs.find('ws_holds', 'gen_c1'),
      await store.requestLogs.find('ws_holds', 'gen_c2'),
    ]
    assert.deepEqual([first?.costNano, first?.chargedNano, first?.ledgerEntryId], [60, 60, 'le_c1'])
    assert.deepEqual(
      [second?.costNano, second?.chargedNano, second?.ledgerEntryId],
      [500, 140, 'le_c1'],
      'the row keeps what the request cost and what the balance covered',
    )
    // A replayed settlement charges nothing twice: its rows exist, so the transaction fails whole.
    await assert.rejects(store.ledger.settleMany('gw_a', [settlement(60, 'c1')]))
    assert.deepEqual(await store.ledger.balance('ws_holds'), { balanceNano: 800, heldNano: 800 })
    await store.ledger.releaseMany('gw_a', [{ workspaceId: 'ws_holds', amountNano: 100 }], T)
    assert.deepEqual(await store.ledger.balance('ws_holds'), { balanceNano: 800, heldNano: 700 })

    // gw_b goes silent; gw_a keeps beating: only gw_b's holds come back.
    await store.ledger.heartbeat('gw_a', '2026-11-23T10:10:00.000Z')
    const reclaimed = (await store.ledger.reclaimStale('2026-11-23T10:05:00.000Z')).filter(
      (item) => item.workspaceId === 'ws_holds',
    )
    assert.deepEqual(
      reclaimed.map((item) => item.instanceId),
      ['gw_b'],
    )
    const held = (await store.ledger.balance('ws_holds')).heldNano
    assert.equal(reclaimed[0]!.heldNano, 500)
    assert.equal(held, 200, "gw_a's two remaining holds")
    // A settlement from the reclaimed instance is still charged, from the free balance only.
    const [late] = (await store.ledger.settleMany('gw_b', [settlement(50, 'c3')])).charges
    assert.deepEqual(late, { chargedNano: 50 })
    assert.deepEqual(await store.ledger.balance('ws_holds'), { balanceNano: 750, heldNano: held })
    assert.deepEqual(
      await store.ledger.verify(),
      [],
      'balances reconcile with the ledger, holds and lots; usage entries with their rows',
    )
    // A usage entry that disagrees with its rows is found (rows past retention are not checked).
    await store.requestLogs.insertMany([
      {
        ...settledRow('gen_stray', 'ws_holds', 5),
        chargedNano: 5,
        ledgerEntryId: 'le_c3',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    ])
    assert.deepEqual(await store.ledger.verify(), [
      { kind: 'usage', workspaceId: 'ws_holds', entryId: 'le_c3', entryNano: 50, rowsNano: 55 },
    ])
    assert.deepEqual(await store.ledger.verify({ usageSince: '2026-11-24T00:00:00.000Z' }), [])
    assert.equal(await store.requestLogs.deleteOlderThan('2026-01-02T00:00:00.000Z', 10), 1)
    assert.deepEqual(await store.ledger.verify(), [])
    assert.deepEqual(await store.ledger.reclaimStale('2026-11-23T10:05:00.000Z'), [])
  })

  test('credit lots: debits consume the soonest-expiring credit first; expiry never eats into holds', async () => {
    const store = getStore()
    await store.workspaces.create({ id: 'ws_lots', name: 'lots', createdAt: T })
    const credit = (id: string, amountNano: number, creditExpiresAt: string | null) =>
      store.ledger.append([
        entry({
          id,
          workspaceId: 'ws_lots',
          amountNano,
          creditExpiresAt,
          kind: creditExpiresAt ? 'purchase' : 'adjustment',
        }),
      ])
    await credit('le_lot_a', 100, '2026-11-23T12:00:00.000Z')
    await credit('le_lot_b', 50, null)
    await credit('le_lot_c', 30, '2026-11-23T11:00:00.000Z')
    await store.ledger.append([
      entry({ id: 'le_lot_debit', workspaceId: 'ws_lots', kind: 'adjustment', amountNano: -40 }),
    ])
    assert.deepEqual(
      await store.ledger.expireCredits('2026-11-23T11:30:00.000Z', 10),
      [],
      'C was spent first',
    )
    const expired = await store.ledger.expireCredits('2026-11-23T12:30:00.000Z', 10)
    assert.deepEqual(
      expired.map((item) => [item.kind, item.amountNano]),
      [['expiry', -90]],
      'what is left of A expires; B never does',
    )
    assert.deepEqual(await store.ledger.balance('ws_lots'), { balanceNano: 50, heldNano: 0 })

    await credit('le_lot_d', 20, '2026-11-23T13:00:00.000Z')
    await store.ledger.reserveMany('gw_lots', [{ workspaceId: 'ws_lots', amountNano: 60 }], T)
    const partly = await store.ledger.expireCredits('2026-11-23T13:30:00.000Z', 10)
    assert.deepEqual(
      partly.map((item) => item.amountNano),
      [-10],
      'only what the hold does not need',
    )
    await store.ledger.releaseMany('gw_lots', [{ workspaceId: 'ws_lots', amountNano: 60 }], T)
    const rest = await store.ledger.expireCredits('2026-11-23T13:31:00.000Z', 10)
    assert.deepEqual(
      rest.map((item) => item.amountNano),
      [-10],
    )
    assert.deepEqual(await store.ledger.balance('ws_lots'), { balanceNano: 50, heldNano: 0 })
    assert.deepEqual(await store.ledger.verify(), [])
  })

  test('credit codes: single use under concurrency, replay-safe, expiring', async () => {
    const store = getStore()
    await store.ledger.createCodes([
      {
        codeHash: 'c1',
        prefix: 'OKC-AAAA',
        batchId: 'b',
        amountNano: 5_000,
        expiresAt: null,
        createdAt: T,
      },
      {
        codeHash: 'c2',
        prefix: 'OKC-BBBB',
        batchId: 'b',
        amountNano: 5_000,
        expiresAt: '2026-11-23T09:00:00.000Z',
        createdAt: T,
      },
    ])
    const redeem = (workspaceId: string, codeHash: string, entryId: string) =>
      store.ledger.redeemCode({
        codeHash,
        workspaceId,
        entryId,
        actor: 'test',
        at: T,
        creditExpiresAt: null,
      })
    const before = await store.ledger.balance('ws_money')
    const race = await Promise.all([redeem('ws_money', 'c1', 'le_r1'), redeem('ws_holds', 'c1', 'le_r2')])
    assert.deepEqual(
      race.map((result) => result.status).sort(),
      ['redeemed', 'used'],
      'exactly one workspace gets it',
    )
    const winner = race[0]!.status === 'redeemed' ? 'ws_money' : 'ws_holds'
    const replay = await redeem(winner, 'c1', 'le_r3')
    assert.equal(replay.status, 'replayed')
    assert.equal('entry' in replay && replay.entry.amountNano, 5_000)
    assert.equal((await redeem('ws_money', 'c2', 'le_r4')).status, 'expired')
    assert.equal((await redeem('ws_money', 'nope', 'le_r5')).status, 'unknown')
    if (winner === 'ws_money') {
      assert.equal((await store.ledger.balance('ws_money')).balanceNano, before.balanceNano + 5_000)
    }
    assert.deepEqual(await store.ledger.verify(), [])
  })
}

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from '../logging/logger.ts'
import { createStore } from '../storage/create-store.ts'
import type { LedgerRepository, RequestLogRecord } from '../storage/store.ts'
import { createBillingService } from './billing-service.ts'

let rowCounter = 0
/** The log row a settlement writes, as the gateway builds it. */
function row(workspaceId = 'ws'): RequestLogRecord {
  rowCounter++
  return {
    id: `gen_${rowCounter}`,
    requestId: `req_${rowCounter}`,
    workspaceId,
    keyId: 'key',
    model: 'm',
    lane: 'cheap',
    provider: 'p',
    upstreamModel: 'u',
    stream: false,
    status: 200,
    errorCode: null,
    promptTokens: 1,
    completionTokens: 1,
    cachedTokens: 0,
    costNano: 60,
    chargedNano: 0,
    ledgerEntryId: null,
    latencyMs: 1,
    firstByteMs: null,
    finishReason: 'stop',
    usageSource: 'upstream',
    createdAt: new Date().toISOString(),
  }
}

/** Storage whose reservations answer after `delay.ms` (a busy database, a row locked elsewhere). */
function slowReservations(delay: { ms: number }) {
  return (ledger: LedgerRepository): LedgerRepository => ({
    ...ledger,
    async reserveMany(...args) {
      await new Promise((resolve) => setTimeout(resolve, delay.ms))
      return ledger.reserveMany(...args)
    },
  })
}

async function setup(
  balanceNano: number,
  options: { wrap?: (ledger: LedgerRepository) => LedgerRepository; headroomIdleMs?: number } = {},
) {
  const store = await createStore({ kind: 'sqlite', path: ':memory:' })
  await store.migrate()
  const at = new Date().toISOString()
  await store.workspaces.create({ id: 'ws', name: 'ws', createdAt: at })
  await store.ledger.append([
    {
      id: 'le_start',
      workspaceId: 'ws',
      kind: 'adjustment',
      amountNano: balanceNano,
      reason: 'test',
      actor: 'test',
      idempotencyKey: null,
      requestId: null,
      createdAt: at,
    },
  ])
  const billing = createBillingService({
    ledger: options.wrap?.(store.ledger) ?? store.ledger,
    headroomIdleMs: options.headroomIdleMs,
    logger: createLogger({ level: 'silent' }),
    enabled: true,
    holdTtlMs: 60_000,
    sweepIntervalMs: 60_000,
    purchaseFeeFixedNano: 0,
    purchaseFeePercentMilli: 0,
    creditExpiryDays: 0,
  })
  return { store, billing }
}

test('with a plentiful balance, headroom serves most reservations without storage; storage always covers what is promised', async () => {
  const { store, billing } = await setup(1_000_000)
  const first = await billing.reserve('ws', 100, () => '')
  assert.equal((await store.ledger.balance('ws')).heldNano, 100 + 6_400, 'the request and 64× headroom')
  // 100 at once: the headroom is claimed synchronously, the rest asked from storage
  const more = await Promise.all(Array.from({ length: 100 }, () => billing.reserve('ws', 100, () => '')))
  const { leasedNano, usedNano } = billing.holdings()
  assert.equal(usedNano, 10_100)
  assert.ok(leasedNano >= usedNano, 'never more promised than held')
  assert.equal((await store.ledger.balance('ws')).heldNano, leasedNano, 'storage holds exactly the lease')
  await Promise.all([first, ...more].map((hold) => billing.settle(hold, 60, row())))
  assert.equal(billing.holdings().usedNano, 0)
  assert.equal((await store.ledger.balance('ws')).balanceNano, 1_000_000 - 101 * 60)
  await billing.close()
  assert.deepEqual(
    await store.ledger.balance('ws'),
    { balanceNano: 1_000_000 - 101 * 60, heldNano: 0 },
    'headroom returned',
  )
  assert.deepEqual(await store.ledger.verify(), [])
  await store.close()
})

test('near the limit every reservation is exact: no headroom, exactly what fits', async () => {
  const { store, billing } = await setup(1_000)
  const results = await Promise.allSettled(
    Array.from({ length: 15 }, () => billing.reserve('ws', 100, () => '')),
  )
  assert.equal(results.filter((result) => result.status === 'fulfilled').length, 10)
  assert.equal((await store.ledger.balance('ws')).heldNano, 1_000)
  const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult
  assert.equal(refused.reason.code, 'insufficient_credits')
  await billing.close()
  await store.close()
})

test('a reservation that waits on storage longer than the idle time keeps its lease: no headroom is stranded', async () => {
  // Storage answers reservations slowly (a balance row locked elsewhere): while the first one
  // waits, the idle timer runs several times. Before the fix it dropped the lease, and the answer
  // added the request and its 64× headroom to an object nobody tracked: held until restart.
  const delay = { ms: 300 }
  const { store, billing } = await setup(1_000_000, {
    headroomIdleMs: 50,
    wrap: slowReservations(delay),
  })
  const first = await billing.reserve('ws', 100, () => '')
  delay.ms = 0
  assert.equal(billing.holdings().usedNano, 100)
  assert.equal(
    billing.holdings().leasedNano,
    100 + 6_400,
    'the lease this instance tracks is what storage holds',
  )
  assert.equal((await store.ledger.balance('ws')).heldNano, 100 + 6_400)
  await billing.settle(first, 60, row())
  // Idle headroom goes back: nothing stays held once the requests are over.
  for (let attempt = 0; attempt < 100 && (await store.ledger.balance('ws')).heldNano !== 0; attempt++)
    await new Promise((resolve) => setTimeout(resolve, 20))
  assert.deepEqual(await store.ledger.balance('ws'), { balanceNano: 1_000_000 - 60, heldNano: 0 })
  assert.deepEqual(billing.holdings(), { leasedNano: 0, usedNano: 0 })
  await billing.close()
  assert.deepEqual(await store.ledger.verify(), [])
  await store.close()
})

test('headroom spent before its refill landed is asked for in larger grants, and back to the base once idle', async () => {
  // Storage answers slowly, as a busy database does: the refill started at half a grant lands
  // after the headroom is gone, and a request waits on storage. The next grants double.
  const delay = { ms: 0 }
  const { store, billing } = await setup(100_000_000, {
    headroomIdleMs: 100,
    wrap: slowReservations(delay),
  })
  const holds = [await billing.reserve('ws', 100, () => '')]
  assert.equal(billing.holdings().leasedNano, 100 + 6_400, 'the base grant: 64× the request')
  delay.ms = 200
  // 64 more from the headroom (the refill starts at the 33rd and is on its way), the 65th waits;
  // each in a turn of the event loop of its own, as requests come.
  for (let index = 0; index < 65; index++) {
    holds.push(await billing.reserve('ws', 100, () => ''))
    await new Promise(setImmediate)
  }
  const { leasedNano, usedNano } = billing.holdings()
  assert.equal(usedNano, 6_600)
  assert.equal(leasedNano - usedNano, 6_400 + 12_800, 'the late refill at the base, then a doubled grant')
  assert.equal((await store.ledger.balance('ws')).heldNano, leasedNano, 'storage holds exactly the lease')
  await Promise.all(holds.map((hold) => billing.settle(hold, 60, row())))
  delay.ms = 0
  // Idle: the headroom goes back, and the next grant is the base one again.
  for (let attempt = 0; attempt < 100 && (await store.ledger.balance('ws')).heldNano !== 0; attempt++)
    await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal((await store.ledger.balance('ws')).heldNano, 0)
  const after = await billing.reserve('ws', 100, () => '')
  assert.equal(billing.holdings().leasedNano, 100 + 6_400, 'the base grant again')
  await billing.settle(after, 60, row())
  await billing.close()
  assert.deepEqual(await store.ledger.balance('ws'), { balanceNano: 100_000_000 - 67 * 60, heldNano: 0 })
  assert.deepEqual(await store.ledger.verify(), [])
  await store.close()
})

/**
 * The contract every {@link RateLimiter} must meet; run against memory always and Redis in CI.
 * Uses real time with short windows (Redis keeps its own clock); memory-only tests with an
 * injected clock live in src/ratelimit/memory-rate-limiter.test.ts.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { groupedKey, type RateLimiter } from '../../src/ratelimit/rate-limiter.ts'

export function describeRateLimiterContract(name: string, makeLimiter: () => Promise<RateLimiter>): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let limiter: RateLimiter
    const key = (label: string) => `${label}:${randomUUID()}`
    /** The keys of one batch share a group (one slot on a Redis Cluster), as a request's do. */
    const inGroup = () => {
      const group = `ws_${randomUUID()}`
      return (label: string) => groupedKey(group, key(label))
    }
    before(async () => {
      limiter = await makeLimiter()
    })
    after(() => limiter?.close())

    test('allows up to the limit in a window, then denies with a retry time', async () => {
      const k = key('rpm')
      const rule = { limit: 3, windowMs: 60_000 }
      const results = []
      for (let index = 0; index < 5; index++) results.push(await limiter.consume(k, 1, rule))
      assert.deepEqual(
        results.map((result) => result.allowed),
        [true, true, true, false, false],
      )
      assert.deepEqual(
        results.map((result) => result.remaining),
        [2, 1, 0, 0, 0],
      )
      const denied = results[3]!
      assert.ok(denied.retryAfterMs > 0 && denied.retryAfterMs <= 60_000)
      assert.ok(denied.resetAtMs > Date.now() - 5_000)
      assert.equal(results[0]!.retryAfterMs, 0)
    })

    test('a cost that does not fit is refused whole and spends nothing', async () => {
      const k = key('tpm')
      const rule = { limit: 1000, windowMs: 60_000 }
      assert.equal((await limiter.consume(k, 700, rule)).remaining, 300)
      const refused = await limiter.consume(k, 400, rule)
      assert.equal(refused.allowed, false)
      assert.equal(refused.remaining, 300)
      assert.equal((await limiter.consume(k, 300, rule)).allowed, true)
    })

    test('a negative cost gives units back, never below zero', async () => {
      const k = key('refund')
      const rule = { limit: 100, windowMs: 60_000 }
      await limiter.consume(k, 90, rule)
      assert.equal((await limiter.consume(k, -50, rule)).remaining, 60)
      assert.equal((await limiter.consume(k, -500, rule)).remaining, 100)
    })

    test('keys are independent', async () => {
      const rule = { limit: 1, windowMs: 60_000 }
      assert.equal((await limiter.consume(key('a'), 1, rule)).allowed, true)
      assert.equal((await limiter.consume(key('b'), 1, rule)).allowed, true)
    })

    test('a new window starts fresh', async () => {
      const k = key('window')
      const rule = { limit: 1, windowMs: 250 }
      const first = await limiter.consume(k, 1, rule)
      assert.equal(first.allowed, true)
      const second = await limiter.consume(k, 1, rule)
      if (!second.allowed) {
        await sleep(second.retryAfterMs + 20)
        assert.equal((await limiter.consume(k, 1, rule)).allowed, true)
      }
    })

    test('concurrent consumers never exceed the limit', async () => {
      const k = key('race')
      const rule = { limit: 20, windowMs: 60_000 }
      const results = await Promise.all(Array.from({ length: 60 }, () => limiter.consume(k, 1, rule)))
      assert.equal(results.filter((result) => result.allowed).length, 20)
    })

    test('concurrency slots: up to the limit, release frees one, leases expire', async () => {
      const k = key('slots')
      const first = await limiter.acquire(k, 2, 60_000)
      const second = await limiter.acquire(k, 2, 60_000)
      const third = await limiter.acquire(k, 2, 60_000)
      assert.deepEqual([first.allowed, second.allowed, third.allowed], [true, true, false])
      assert.equal(third.leaseId, undefined)
      assert.equal(second.inUse, 2)
      await limiter.release(k, first.leaseId!)
      assert.equal((await limiter.acquire(k, 2, 60_000)).allowed, true)
      await limiter.release(k, 'unknown-lease')

      const short = key('lease')
      assert.equal((await limiter.acquire(short, 1, 150)).allowed, true)
      assert.equal((await limiter.acquire(short, 1, 150)).allowed, false)
      await sleep(200)
      assert.equal((await limiter.acquire(short, 1, 150)).allowed, true, 'an unreleased lease expired')
    })

    test('a renewed lease outlives its first term; a released one cannot be renewed', async () => {
      const k = key('renew')
      const held = await limiter.acquire(k, 1, 200)
      await sleep(120)
      assert.equal(await limiter.renew(k, held.leaseId!, 400), true)
      await sleep(150)
      assert.equal((await limiter.acquire(k, 1, 200)).allowed, false, 'still held past the first term')
      await limiter.release(k, held.leaseId!)
      assert.equal(await limiter.renew(k, held.leaseId!, 400), false)
      assert.equal(await limiter.renew(k, 'unknown', 400), false)
    })

    test('a batched admission is all or nothing; its finish refunds and releases', async () => {
      const batch = limiter.batch
      assert.ok(batch, 'every limiter offers batched admissions')
      const grouped = inGroup()
      const [a, b, c, s] = [grouped('a'), grouped('b'), grouped('c'), grouped('s')]
      const minute = (limit: number) => ({ limit, windowMs: 60_000 })
      const windows = [
        { key: a, cost: 1, rule: minute(2) },
        { key: b, cost: 5, rule: minute(10) },
      ]
      const slots = [{ key: s, limit: 1, leaseMs: 60_000 }]

      const first = await batch.admit(windows, slots)
      assert.equal(first.allowed, true)
      if (!first.allowed) return
      assert.deepEqual(
        first.windows.map((result) => result.remaining),
        [1, 5],
      )
      assert.ok(first.windows.every((result) => result.allowed && result.resetAtMs > Date.now() - 5_000))
      assert.equal(first.slots[0]!.inUse, 1)
      assert.ok(first.slots[0]!.leaseId)

      const second = await batch.admit(windows, slots)
      assert.equal(second.allowed, false)
      if (second.allowed) return
      assert.equal(second.refused.kind, 'slot')
      assert.equal(second.refused.index, 0)
      assert.deepEqual(
        second.windows.map((result) => result.remaining),
        [0, 0],
        'what the windows would have left',
      )

      await batch.finish(
        [{ key: b, cost: -3, rule: minute(10) }],
        [{ key: s, leaseId: first.slots[0]!.leaseId! }],
      )
      const third = await batch.admit(windows, slots)
      assert.equal(third.allowed, true, 'the slot was freed and the refused admission spent nothing')
      if (!third.allowed) return
      assert.deepEqual(
        third.windows.map((result) => result.remaining),
        [0, 3],
      )

      const full = await batch.admit([{ key: a, cost: 1, rule: minute(2) }], [])
      assert.equal(full.allowed, false)
      if (full.allowed) return
      assert.equal(full.refused.kind, 'window')
      assert.equal(full.refused.index, 0)
      assert.equal(full.refused.result.allowed, false)
      if (full.refused.kind !== 'window') return
      assert.equal(full.refused.result.remaining, 0)
      assert.ok(full.refused.result.retryAfterMs > 0 && full.refused.result.retryAfterMs <= 60_000)

      const later = await batch.admit(
        [
          { key: c, cost: 1, rule: minute(5) },
          { key: a, cost: 1, rule: minute(2) },
        ],
        [],
      )
      assert.equal(later.allowed, false)
      if (later.allowed) return
      assert.deepEqual([later.refused.kind, later.refused.index], ['window', 1])
      assert.deepEqual(
        later.windows.map((result) => result.remaining),
        [4],
      )
      assert.equal((await limiter.consume(c, 1, minute(5))).remaining, 4, 'the earlier window spent nothing')
    })

    test('concurrent batched admissions never exceed a window or the slots', async () => {
      const batch = limiter.batch!
      const grouped = inGroup()
      const window = { key: grouped('batch-race'), cost: 1, rule: { limit: 10, windowMs: 60_000 } }
      const roomy = { key: grouped('batch-roomy'), limit: 100, leaseMs: 60_000 }
      const admitted = await Promise.all(Array.from({ length: 40 }, () => batch.admit([window], [roomy])))
      assert.equal(admitted.filter((result) => result.allowed).length, 10)

      const tight = { key: grouped('batch-slots'), limit: 4, leaseMs: 60_000 }
      const wide = { key: grouped('batch-wide'), cost: 1, rule: { limit: 1_000, windowMs: 60_000 } }
      const slotted = await Promise.all(Array.from({ length: 30 }, () => batch.admit([wide], [tight])))
      assert.equal(slotted.filter((result) => result.allowed).length, 4)
      assert.equal(
        (await limiter.consume(wide.key, 1, wide.rule)).remaining,
        1_000 - 5,
        'refused ones spent nothing',
      )
    })

    test('batched calls made together are taken in call order, as if one after the other', async () => {
      const batch = limiter.batch!
      const grouped = inGroup()
      const tight = { key: grouped('order-slots'), limit: 3, leaseMs: 60_000 }
      const tokens = { key: grouped('order-tokens'), cost: 30, rule: { limit: 120, windowMs: 60_000 } }
      const held = await Promise.all(Array.from({ length: 3 }, () => batch.admit([tokens], [tight])))
      const leases = held.map((result) => (result.allowed ? result.slots[0]!.leaseId! : ''))
      assert.equal(leases.filter(Boolean).length, 3)
      // In one turn: an admission (refused: 120 tokens fit, no slot is free), two finishes (two
      // slots and 60 tokens back), then three admissions: two fit, the third finds no slot.
      const [early, , , ...late] = await Promise.all([
        batch.admit([tokens], [tight]),
        batch.finish([{ ...tokens, cost: -30 }], [{ key: tight.key, leaseId: leases[0]! }]),
        batch.finish([{ ...tokens, cost: -30 }], [{ key: tight.key, leaseId: leases[1]! }]),
        batch.admit([tokens], [tight]),
        batch.admit([tokens], [tight]),
        batch.admit([tokens], [tight]),
      ])
      assert.equal(early?.allowed, false, 'taken before the finishes made room')
      assert.deepEqual(
        late.map((result) => result?.allowed),
        [true, true, false],
      )
      assert.equal((await limiter.consume(tokens.key, 0, tokens.rule)).remaining, 30, '90 of 120 spent')
      const last = late[2]
      if (last === undefined || last.allowed) return
      assert.deepEqual([last.refused.kind, last.refused.result.allowed], ['slot', false])
    })

    test('concurrent acquirers never exceed the slots', async () => {
      const k = key('slot-race')
      const results = await Promise.all(Array.from({ length: 30 }, () => limiter.acquire(k, 5, 60_000)))
      assert.equal(results.filter((result) => result.allowed).length, 5)
    })
  })
}

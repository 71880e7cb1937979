/**
 * Prepaid credits: reserve a request's maximum cost before the upstream call (402 when the
 * balance minus open holds cannot cover it), settle the actual cost afterwards and release the
 * rest. Holds are summed per instance and workspace in storage; each instance sends a heartbeat,
 * and when one stops (a crash) any instance's sweeper returns its holds after `hold_ttl_ms`, so
 * nothing stays reserved forever. A key or workspace with a spend limit has each hold checked
 * against it in storage, in the balance's transaction (never from the instance's headroom), and
 * each committed settlement batch is reported to `onSpend` (alerts, auto top-up). Top-ups and
 * adjustments go through here too (purchase fee as its own entry, idempotent by key).
 *
 * @module
 * Product spec §5.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import { describeError } from '../logging/logger.ts'
import { runInBackground } from '../storage/round-trip-counter.ts'
import type { HoldRequest, ReserveResult, Settlement, SettleResult } from '../storage/store.ts'
import { createBatcher } from './batcher.ts'
import type { BillingOptions, BillingService, Hold } from './billing-types.ts'
import { sweepHolds } from './hold-sweeper.ts'
import { refusal } from './reservation-refusal.ts'
import { createTopUps } from './top-up.ts'

export type { BillingOptions, BillingService, Hold } from './billing-types.ts'
export type { TopUpInput } from './top-up.ts'

const SETTLE_BATCH_MS = 20
/** Tries of one settlement batch (10, 40, 160, 640 ms apart) before its holds stay reserved until this instance restarts. */
const SETTLE_ATTEMPTS = 5
const SETTLE_RETRY_BASE_MS = 10
/**
 * Headroom asked for with a reservation, in multiples of the request (granted only when
 * plentiful). A settled request's hold leaves the lease, so the headroom lasts this many requests
 * before the next reservation goes to storage: at 16, one request in 16 at one connection paid
 * a reservation transaction (~3 % of the gateway's CPU there).
 */
const HEADROOM_FACTOR = 64
/**
 * A busy workspace's grant grows up to this many times HEADROOM_FACTOR: it doubles each time the
 * headroom ran out before the background refill landed (a request then waited on storage), so
 * the grant covers what the workspace spends while a refill is on its way. Back to the base
 * once the workspace is idle.
 */
const HEADROOM_GROWTH_MAX = 32
/** Headroom unused this long goes back to the workspace. */
const HEADROOM_IDLE_MS = 1_000

/**
 * What this instance holds for a workspace: `leaseNano` is held in storage (its row of
 * instance_holds), `usedNano` is promised to requests running here; the difference is headroom
 * from which the next requests are granted without a database round trip.
 */
interface WorkspaceLease {
  leaseNano: number
  usedNano: number
  touchedMs: number
  /**
   * Reservations of this workspace waiting on storage. While one waits, the lease stays in the
   * map: dropped meanwhile (idle), the answer would add its hold and headroom to an object nobody
   * tracks any more, held in storage until the instance stops.
   */
  waiting: number
  /** A background refill is on its way to storage. */
  refilling: boolean
  /** A background refill got no headroom (the balance is near its end): none until a reservation gets some. */
  scarce: boolean
  /** Headroom asked for, in multiples of the request: HEADROOM_FACTOR, doubled when it ran out. */
  factor: number
  /** The factor doubled while the current refill is on its way (once per refill). */
  grown: boolean
}

// IDs: a random per-process part and a counter (no random bytes per call on the hot path).
const ID_PREFIX = randomBytes(9).toString('base64url')
let idCounter = 0

function id(prefix: string): string {
  idCounter = (idCounter + 1) % Number.MAX_SAFE_INTEGER
  return `${prefix}_${ID_PREFIX}${idCounter.toString(36)}`
}

export function createBillingService(options: BillingOptions): BillingService {
  const { ledger, logger } = options
  const now = options.now ?? (() => new Date())
  const open = new Set<string>()
  const leases = new Map<string, WorkspaceLease>()
  function leaseOf(workspaceId: string): WorkspaceLease {
    let lease = leases.get(workspaceId)
    if (lease === undefined) {
      lease = {
        leaseNano: 0,
        usedNano: 0,
        touchedMs: 0,
        waiting: 0,
        refilling: false,
        scarce: false,
        factor: headroomFactor,
        grown: false,
      }
      leases.set(workspaceId, lease)
    }
    return lease
  }
  /** A request's hold leaves the lease (settled or released): storage lowers the row the same way. */
  function leaveLease(hold: Hold): void {
    const lease = leaseOf(hold.workspaceId)
    lease.usedNano -= hold.amountNano
    lease.leaseNano -= hold.amountNano
  }
  const pending = new Set<Promise<unknown>>()

  function track<T>(promise: Promise<T>): Promise<T> {
    pending.add(promise)
    void promise.finally(() => pending.delete(promise)).catch(() => {})
    return promise
  }

  // This process's identity for its holds: another instance reclaims them if its heartbeat stops.
  const instanceId = `gw_${randomBytes(9).toString('base64url')}`

  // Concurrent requests share transactions: one for the reservations that arrive together, one
  // for the settlements, one for the releases (see batcher.ts).
  const reservations = createBatcher((holds: HoldRequest[]) =>
    ledger.reserveMany(instanceId, holds, now().toISOString()),
  )
  // Nobody waits on a settlement or a release (the hold keeps the money reserved meanwhile), so
  // they wait a few milliseconds for company: one transaction settles many requests.
  const headroomFactor = options.headroomFactor ?? HEADROOM_FACTOR
  const headroomIdleMs = options.headroomIdleMs ?? HEADROOM_IDLE_MS
  const observe = options.onSpend
  const settlements = createBatcher(
    async (items: Settlement[]) => {
      let settled: SettleResult | undefined
      // A settlement must not be lost to a failed round trip, a deadlock or a serialization
      // failure: retried with backoff (a batch that did commit is not charged twice: its
      // request-log rows are already there, and the retry fails).
      for (let attempt = 0; settled === undefined; attempt++) {
        try {
          settled = await ledger.settleMany(instanceId, items)
        } catch (error) {
          if (attempt + 1 >= SETTLE_ATTEMPTS) throw error
          await delay(SETTLE_RETRY_BASE_MS * 4 ** attempt)
        }
      }
      if (observe !== undefined) {
        for (const observation of settled.observations) {
          try {
            observe(observation)
          } catch (error) {
            logger.warn('a spend observer failed', describeError(error))
          }
        }
      }
      return settled.charges
    },
    { delayMs: options.settleBatchMs ?? SETTLE_BATCH_MS },
  )
  const releases = createBatcher(
    async (holds: HoldRequest[]) => {
      await ledger.releaseMany(instanceId, holds, now().toISOString())
      return holds.map(() => undefined)
    },
    { delayMs: SETTLE_BATCH_MS },
  )

  // One UPDATE says this instance is alive (its holds stay); a silent instance's are reclaimed.
  // Headroom nobody used for a while goes back, so other instances can have it.
  const heartbeatTimer = setInterval(
    () => {
      ledger
        .heartbeat(instanceId, now().toISOString())
        .catch((error: unknown) => logger.warn('hold heartbeat failed', describeError(error)))
      returnIdleHeadroom()
    },
    Math.max(Math.floor(options.holdTtlMs / 3), 50),
  )
  heartbeatTimer.unref()
  const headroomTimer = setInterval(returnIdleHeadroom, headroomIdleMs)
  headroomTimer.unref()

  function returnIdleHeadroom(): void {
    const idleBefore = Date.now() - headroomIdleMs
    for (const [workspaceId, lease] of leases) {
      const headroom = lease.leaseNano - lease.usedNano
      if (lease.touchedMs > idleBefore || lease.waiting > 0) continue
      lease.factor = headroomFactor
      if (headroom <= 0) {
        if (lease.usedNano === 0 && lease.leaseNano === 0) leases.delete(workspaceId)
        continue
      }
      lease.leaseNano -= headroom
      void track(
        releases.run({ workspaceId, amountNano: headroom }).catch((error: unknown) => {
          logger.warn('returning headroom failed', describeError(error))
        }),
      )
    }
  }
  /**
   * A hold under spend limits: always checked in storage with the balance (never from headroom).
   * Refused by the balance while this instance keeps headroom, it hands the headroom back and
   * asks once more.
   */
  async function reserveLimited(hold: Hold, lease: WorkspaceLease, describe: () => string): Promise<Hold> {
    const request = {
      workspaceId: hold.workspaceId,
      amountNano: hold.amountNano,
      budgetScopes: hold.budgetScopes,
    }
    lease.waiting++
    let result: ReserveResult
    try {
      result = await reservations.run(request)
      const headroom = lease.leaseNano - lease.usedNano
      if (!result.reserved && result.budget === undefined && headroom > 0) {
        lease.leaseNano -= headroom
        await releases.run({ workspaceId: hold.workspaceId, amountNano: headroom })
        result = await reservations.run(request)
      }
    } finally {
      lease.waiting--
      lease.touchedMs = Date.now()
    }
    if (!result.reserved) throw refusal(result, hold.amountNano, 0, describe)
    lease.leaseNano += hold.amountNano
    lease.usedNano += hold.amountNano
    open.add(hold.id)
    return hold
  }

  /**
   * Tops the headroom up off the request path once less than half a grant is left, so a
   * steady stream of requests never waits on a reservation transaction. Only while headroom is
   * plentiful (`scarce` is set when storage granted none); one refill per workspace at a time.
   */
  function refillSoon(workspaceId: string, lease: WorkspaceLease, amountNano: number): void {
    const extraNano = amountNano * lease.factor
    if (lease.refilling || lease.scarce || !Number.isSafeInteger(extraNano) || extraNano <= 0) return
    if (lease.leaseNano - lease.usedNano >= extraNano / 2) return
    lease.refilling = true
    lease.waiting++
    const refill = runInBackground(() => reservations.run({ workspaceId, amountNano: 0, extraNano }))
    void track(
      refill
        .then((result) => {
          if (result.reserved) lease.leaseNano += result.extraNano
          const refused = !result.reserved || result.extraNano === 0
          // A grown ask refused: the balance may still give a smaller one (storage grants
          // headroom only from a balance four times the ask).
          if (refused && lease.factor > headroomFactor) lease.factor /= 2
          // No headroom granted and little left: the balance is near its end (a request of the
          // same batch may have taken this batch's headroom instead: then the lease has it).
          else lease.scarce = refused && lease.leaseNano - lease.usedNano < extraNano / 2
        })
        .catch((error: unknown) => logger.warn('refilling headroom failed', describeError(error)))
        .finally(() => {
          lease.refilling = false
          lease.grown = false
          lease.waiting--
          lease.touchedMs = Date.now()
        }),
    )
  }

  const sweep = () => sweepHolds(ledger, logger, now(), options.holdTtlMs)
  const sweepTimer = options.enabled ? setInterval(sweep, options.sweepIntervalMs) : undefined
  sweepTimer?.unref()
  if (options.enabled) void track(sweep())

  return {
    enabled: options.enabled,
    ...createTopUps(ledger, options, now, id),
    holdings() {
      let leasedNano = 0
      let usedNano = 0
      for (const lease of leases.values()) {
        leasedNano += lease.leaseNano
        usedNano += lease.usedNano
      }
      return { leasedNano, usedNano }
    },
    settlementBacklog: () => settlements.pending,
    async reserve(workspaceId, amountNano, describe, budgetScopes = null) {
      const scopes = budgetScopes !== null && budgetScopes.length > 0 ? budgetScopes : null
      const hold: Hold = { id: id('hold'), workspaceId, amountNano, budgetScopes: scopes }
      const lease = leaseOf(workspaceId)
      lease.touchedMs = Date.now()
      if (scopes !== null) return reserveLimited(hold, lease, describe)
      if (lease.usedNano + amountNano <= lease.leaseNano) {
        // Granted from headroom this instance already holds in storage: no round trip.
        lease.usedNano += amountNano
        open.add(hold.id)
        refillSoon(workspaceId, lease, amountNano)
        return hold
      }
      // Use what headroom there is, claimed now (before any await, so concurrent requests cannot
      // count it twice), and ask storage only for the rest.
      const fromHeadroom = Math.max(Math.min(lease.leaseNano - lease.usedNano, amountNano), 0)
      lease.usedNano += fromHeadroom
      const needNano = amountNano - fromHeadroom
      // The headroom ran out before its refill landed: ask for more from now on (once per refill).
      if (lease.refilling && !lease.grown) {
        lease.grown = true
        lease.factor = Math.min(lease.factor * 2, headroomFactor * HEADROOM_GROWTH_MAX)
      }
      const extraNano = amountNano * lease.factor
      let result: ReserveResult
      lease.waiting++
      try {
        result = await reservations.run({
          workspaceId,
          amountNano: needNano,
          extraNano: Number.isSafeInteger(extraNano) ? extraNano : 0,
        })
      } catch (error) {
        lease.usedNano -= fromHeadroom
        throw error
      } finally {
        lease.waiting--
        lease.touchedMs = Date.now()
      }
      if (!result.reserved) {
        // Refused because headroom granted to this instance in the same batch (to another
        // request) holds the rest: take it from there instead.
        if (lease.leaseNano - lease.usedNano >= needNano) {
          lease.usedNano += needNano
          open.add(hold.id)
          return hold
        }
        lease.usedNano -= fromHeadroom
        throw refusal(result, amountNano, fromHeadroom, describe)
      }
      lease.leaseNano += needNano + result.extraNano
      lease.usedNano += needNano
      if (result.extraNano > 0) lease.scarce = false
      open.add(hold.id)
      return hold
    },
    settle(hold, costNano, record) {
      // Each hold is resolved once: a second settle or release is a no-op.
      if (!open.delete(hold.id)) return Promise.resolve(undefined)
      leaveLease(hold)
      // Not tracked one by one: close() drains the batcher, and the handlers below run before
      // the drain completes.
      return settlements
        .run({
          workspaceId: hold.workspaceId,
          budgetScopes: hold.budgetScopes,
          holdNano: hold.amountNano,
          entryId: id('le'),
          costNano,
          record,
          at: record.createdAt,
        })
        .then(
          (result) => {
            if (result.chargedNano < costNano) {
              logger.warn('charge capped at what the balance covers', {
                request_id: record.requestId,
                cost_nano: costNano,
                charged_nano: result.chargedNano,
              })
            }
            return result.chargedNano
          },
          (error: unknown) => {
            logger.error('settling a hold failed; it stays reserved until this instance restarts', {
              hold: hold.id,
              request_id: record.requestId,
              ...describeError(error),
            })
            return undefined
          },
        )
    },
    flushSettlements() {
      return settlements.drain()
    },
    release(hold) {
      if (!open.delete(hold.id)) return Promise.resolve()
      leaveLease(hold)
      // Drained by close(), as settlements are.
      return releases
        .run({ workspaceId: hold.workspaceId, amountNano: hold.amountNano, budgetScopes: hold.budgetScopes })
        .then(
          () => undefined,
          (error: unknown) => logger.warn('releasing a hold failed; the sweeper will', describeError(error)),
        )
    },
    abandon(hold, requestId, error) {
      logger.error('pricing a request failed; its hold is released uncharged', {
        request_id: requestId,
        ...describeError(error),
      })
      void this.release(hold)
    },
    async close() {
      clearInterval(heartbeatTimer)
      clearInterval(headroomTimer)
      // Hand every lease back: what requests did not use returns to the workspace now.
      for (const [workspaceId, lease] of leases) {
        const headroom = lease.leaseNano - lease.usedNano
        if (headroom > 0) {
          lease.leaseNano -= headroom
          void track(releases.run({ workspaceId, amountNano: headroom }).catch(() => undefined))
        }
      }
      if (sweepTimer !== undefined) clearInterval(sweepTimer)
      await Promise.allSettled([...pending])
      await Promise.all([reservations.drain(), settlements.drain(), releases.drain()])
    },
  }
}

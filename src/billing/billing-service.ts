/**
 * Prepaid credits: reserve a request's maximum cost before the upstream call (402 when the
 * balance minus open holds cannot cover it), settle the actual cost afterwards and release the
 * rest. Holds are summed per instance and workspace in storage; each instance sends a heartbeat,
 * and when one stops (a crash) any instance's sweeper returns its holds after `hold_ttl_ms`, so
 * nothing stays reserved forever. Top-ups and
 * adjustments go through here too (purchase fee as its own entry, idempotent by key).
 *
 * @module
 * Product spec §5.
 */
import { randomBytes } from 'node:crypto'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Logger } from '../logging/logger.ts'
import { describeError } from '../logging/logger.ts'
import type {
  HoldRequest,
  LedgerEntryRecord,
  LedgerRepository,
  RequestLogRecord,
  Settlement,
} from '../storage/store.ts'
import { createBatcher } from './batcher.ts'
import { createTopUps, type TopUpInput } from './top-up.ts'

export type { TopUpInput } from './top-up.ts'

import { formatNanoUsd } from './cost.ts'

export interface Hold {
  id: string
  workspaceId: string
  amountNano: number
}

export interface BillingOptions {
  ledger: LedgerRepository
  logger: Logger
  enabled: boolean
  holdTtlMs: number
  sweepIntervalMs: number
  purchaseFeeFixedNano: number
  purchaseFeePercentMilli: number
  /** Purchased and redeemed credit expires this many days later (0: never). */
  creditExpiryDays: number
  /** Headroom asked for with a reservation, in multiples of the request (default 64; 0: none). */
  headroomFactor?: number
  /** Headroom unused this long goes back to the workspace (default 1 s). */
  headroomIdleMs?: number
  /**
   * Settlements wait this long for company before their transaction (default 20 ms); 0 commits
   * whatever queued while the last commit ran (group commit, for durable settlement).
   */
  settleBatchMs?: number
  now?: () => Date
}

export interface BillingService {
  readonly enabled: boolean
  /** Reserves `amountNano` or throws 402 `insufficient_credits`. */
  reserve(workspaceId: string, amountNano: number, describe: () => string): Promise<Hold>
  /**
   * Charges the actual cost (capped, never below zero) and releases the rest, writing the
   * request's log row in the same transaction; never throws. Resolves to what was charged, or
   * undefined when the settlement failed (the hold stays reserved, the row was not written).
   */
  settle(hold: Hold, costNano: number, record: RequestLogRecord): Promise<number | undefined>
  /** Resolves when every settlement queued so far is committed (or failed). */
  flushSettlements(): Promise<void>
  /** Releases a hold without charge; never throws. */
  release(hold: Hold): Promise<void>
  /** Releases the hold of a request that could not be priced, and logs why; never throws. */
  abandon(hold: Hold, requestId: string, error: unknown): void
  topUp(input: TopUpInput): Promise<{ entries: LedgerEntryRecord[]; replayed: boolean }>
  /** The purchase fee for an amount, nano-USD. */
  purchaseFee(amountNano: number): number
  /** When credit bought or redeemed now expires (null: never). */
  creditExpiresAt(): string | null
  /** What this instance holds in storage and how much of it running requests use, nano-USD. */
  holdings(): { leasedNano: number; usedNano: number }
  /** Waits for settlements in flight, stops the timers. */
  close(): Promise<void>
}

const SETTLE_BATCH_MS = 20
/**
 * Headroom asked for with a reservation, in multiples of the request (granted only when
 * plentiful). A settled request's hold leaves the lease, so the headroom lasts this many requests
 * before the next reservation goes to storage: at 16, one request in 16 at one connection paid
 * a reservation transaction (~3 % of the gateway's CPU there).
 */
const HEADROOM_FACTOR = 64
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
      lease = { leaseNano: 0, usedNano: 0, touchedMs: 0, waiting: 0 }
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
  const settlements = createBatcher(
    async (items: Settlement[]) => {
      try {
        return await ledger.settleMany(instanceId, items)
      } catch {
        // once more: a settlement must not be lost to one failed round trip (a batch that did
        // commit is not charged twice: its request-log rows are already there, and the retry fails)
        return ledger.settleMany(instanceId, items)
      }
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
  const sweep = async () => {
    try {
      for (const entry of await ledger.expireCredits(now().toISOString(), 500)) {
        logger.info('credit expired', {
          workspace: entry.workspaceId,
          amount_nano: entry.amountNano,
          entry: entry.id,
        })
      }
      const staleBefore = new Date(now().getTime() - options.holdTtlMs).toISOString()
      for (const reclaimed of await ledger.reclaimStale(staleBefore)) {
        logger.warn('released the holds of a silent gateway instance', {
          instance: reclaimed.instanceId,
          workspace: reclaimed.workspaceId,
          amount_nano: reclaimed.heldNano,
        })
      }
    } catch (error) {
      logger.warn('sweeping holds failed', describeError(error))
    }
  }
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
    async reserve(workspaceId, amountNano, describe) {
      const hold: Hold = { id: id('hold'), workspaceId, amountNano }
      const lease = leaseOf(workspaceId)
      lease.touchedMs = Date.now()
      if (lease.usedNano + amountNano <= lease.leaseNano) {
        // Granted from headroom this instance already holds in storage: no round trip.
        lease.usedNano += amountNano
        open.add(hold.id)
        return hold
      }
      // Use what headroom there is, claimed now (before any await, so concurrent requests cannot
      // count it twice), and ask storage only for the rest.
      const fromHeadroom = Math.max(Math.min(lease.leaseNano - lease.usedNano, amountNano), 0)
      lease.usedNano += fromHeadroom
      const needNano = amountNano - fromHeadroom
      let result: Awaited<ReturnType<typeof reservations.run>>
      lease.waiting++
      try {
        result = await reservations.run({
          workspaceId,
          amountNano: needNano,
          extraNano: Number.isSafeInteger(amountNano * headroomFactor) ? amountNano * headroomFactor : 0,
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
        throw new GatewayError(
          'insufficient_credits',
          `Insufficient credits: this request may cost up to $${formatNanoUsd(amountNano)} (${describe()}), ` +
            `and $${formatNanoUsd(result.availableNano + fromHeadroom)} is available after open reservations. ` +
            'Add credits or lower max_tokens.',
        )
      }
      lease.leaseNano += needNano + result.extraNano
      lease.usedNano += needNano
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
      return releases.run({ workspaceId: hold.workspaceId, amountNano: hold.amountNano }).then(
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

/**
 * The billing service's seam: what a hold is, how the service is configured, and what it does
 * (implemented in billing-service.ts).
 *
 * @module
 */
import type { SpendObserver } from '../contracts/alert-events.ts'
import type { Logger } from '../logging/logger.ts'
import type { LedgerEntryRecord, LedgerRepository, RequestLogRecord } from '../storage/store.ts'
import type { TopUpInput } from './top-up.ts'

export interface Hold {
  id: string
  workspaceId: string
  amountNano: number
  /** The spend limits it counts against (the key's, the workspace's), or null. */
  budgetScopes: readonly string[] | null
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
  /**
   * Told what each committed settlement batch did to each workspace's balance and budgets (alerts,
   * auto top-up); called after the commit, never awaited, its errors logged.
   */
  onSpend?: SpendObserver
  now?: () => Date
}

export interface BillingService {
  readonly enabled: boolean
  /**
   * Reserves `amountNano` or throws 402 `insufficient_credits`. With `budgetScopes` (the key's
   * and the workspace's IDs when they carry spend limits) the hold is checked against those
   * limits in storage, in the same transaction as the balance (never from headroom), and a
   * refusal throws 402 `key_budget_exceeded` or `workspace_budget_exceeded`.
   */
  reserve(
    workspaceId: string,
    amountNano: number,
    describe: () => string,
    budgetScopes?: readonly string[] | null,
  ): Promise<Hold>
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
  /** Settlements queued or being committed, not yet in storage (the `/metrics` backlog). */
  settlementBacklog(): number
  /** Waits for settlements in flight, stops the timers. */
  close(): Promise<void>
}

/**
 * The storage seam: one interface, one Kysely implementation behind it for SQLite (embedded
 * default) and PostgreSQL (scale-out). Services and the CLI talk to this, never to SQL.
 *
 * @module
 */
import type { BudgetPeriod, SpendObservation } from '../contracts/alert-events.ts'
import type { AccountRepository } from './account-records.ts'
import type { AlertRepository } from './alert-records.ts'
import type { AutoTopUpRepository } from './auto-top-up-repository.ts'
import type { BudgetRepository } from './budget-records.ts'
import type { ChangeNotifications } from './change-notifications.ts'
import type { OperatorRepository } from './operator-repository.ts'
import type { PaymentRepository } from './payment-records.ts'
import type { RequestLogRecord, RequestLogRepository } from './request-log-records.ts'
import type { RoundTripCounter } from './round-trip-counter.ts'
import type { Dialect } from './schema.ts'

export type {
  ActivityRow,
  RequestLogCursor,
  RequestLogExportFilter,
  RequestLogExportRow,
  RequestLogRecord,
  RequestLogRepository,
} from './request-log-records.ts'

export type WorkspaceLane = 'cheap' | 'resale'

/** Overrides of a tier's limits; null fields keep the tier's (or, for a key, the workspace's). */
export interface LimitOverrides {
  rpm: number | null
  tpm: number | null
  concurrency: number | null
}

export interface WorkspaceSettings {
  /** The lane of plain model IDs; null: the config default. */
  defaultLane: WorkspaceLane | null
  /** Skip offers that retain prompts or train on them, on every lane. */
  denyDataCollection: boolean
  /** Rate-limit tier; null: the config's default tier. */
  tier: string | null
  limits: LimitOverrides
  /** Answer from (and store in) the prompt cache. */
  promptCache: boolean
  /** Suspended by the operator: the workspace's API keys are refused. */
  suspended: boolean
}

export interface WorkspaceRecord extends WorkspaceSettings {
  id: string
  name: string
  createdAt: string
}

export interface ApiKeyRecord {
  id: string
  workspaceId: string
  name: string
  prefix: string
  hash: string
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
  revokedAt: string | null
  /** Lanes the key may use; null: every lane. */
  allowedLanes: string[] | null
  /** Model ID patterns (`*` wildcard) the key may use; null: every model. */
  allowedModels: string[] | null
  /** May call the management API for its workspace. */
  management: boolean
  /** The key's own limits; only ever stricter than its workspace's. */
  limits: LimitOverrides
}

/** A stored BYOK credential: ciphertext and display hint, never the key itself. */
export interface ByokCredentialRecord {
  workspaceId: string
  provider: string
  ciphertext: string
  keyId: string
  hint: string
  createdAt: string
  updatedAt: string
}

export interface WorkspaceRepository {
  create(record: Omit<WorkspaceRecord, keyof WorkspaceSettings> & Partial<WorkspaceSettings>): Promise<void>
  /** Changes the given settings; returns false for an unknown workspace. */
  updateSettings(id: string, settings: Partial<WorkspaceSettings>): Promise<boolean>
  list(): Promise<WorkspaceRecord[]>
  /** By ID or by (unique) name. */
  find(idOrName: string): Promise<WorkspaceRecord | undefined>
}

export interface ApiKeyRepository {
  create(record: ApiKeyRecord): Promise<void>
  /**
   * The key and its workspace in one round trip (authentication reads both), and whether each
   * carries a spend limit.
   */
  findByHash(
    hash: string,
  ): Promise<
    | { key: ApiKeyRecord; workspace: WorkspaceRecord; budgets: { key: boolean; workspace: boolean } }
    | undefined
  >
  find(id: string): Promise<ApiKeyRecord | undefined>
  list(workspaceId?: string): Promise<ApiKeyRecord[]>
  /** Sets `revoked_at` once; returns false when the key does not exist or was already revoked. */
  revoke(id: string, at: string): Promise<boolean>
  /** Records last use for many keys in one round trip; later times win. */
  touch(lastUsed: ReadonlyMap<string, string>): Promise<void>
}

export interface ByokCredentialRepository {
  /** Inserts or replaces the workspace's credential for a provider. */
  put(record: ByokCredentialRecord): Promise<void>
  find(workspaceId: string, provider: string): Promise<ByokCredentialRecord | undefined>
  list(workspaceId: string): Promise<ByokCredentialRecord[]>
  delete(workspaceId: string, provider: string): Promise<boolean>
  /** How many credentials each master key encrypted. */
  countByKeyId(): Promise<Map<string, number>>
  /** Every credential not encrypted with `keyId`, for re-encryption. */
  listNotEncryptedWith(keyId: string): Promise<ByokCredentialRecord[]>
  /** Replaces a ciphertext only if it is still the one that was read (safe against concurrent writes). */
  replaceCiphertext(record: ByokCredentialRecord, previousCiphertext: string): Promise<boolean>
}

export const LEDGER_KINDS = [
  'purchase',
  'purchase_fee',
  'redemption',
  /** One request's charge (rows written before usage entries existed). */
  'charge',
  /** The charges of one settlement batch in one workspace; each request's share is on its request-log row. */
  'usage',
  'refund',
  /** Credit taken back because a card payment was refunded to the buyer (negative). */
  'card_refund',
  /** Credit taken back because the buyer's bank reversed a card payment (a lost dispute; negative). */
  'dispute',
  'adjustment',
  'expiry',
] as const
export type LedgerKind = (typeof LEDGER_KINDS)[number]

export interface LedgerEntryRecord {
  id: string
  workspaceId: string
  kind: LedgerKind
  /** Signed nano-USD: positive credits the workspace, negative debits it. */
  amountNano: number
  balanceAfterNano: number
  reason: string
  /** Who caused it: `operator:cli`, `admin-api`, `key:<id>`, `system:sweeper`… */
  actor: string
  idempotencyKey: string | null
  requestId: string | null
  createdAt: string
}

export type NewLedgerEntry = Omit<LedgerEntryRecord, 'balanceAfterNano'> & {
  /** For a credit: when what it adds expires (null or absent: never). */
  creditExpiresAt?: string | null
}

export interface Balance {
  balanceNano: number
  /** Sum of open holds. */
  heldNano: number
}

/** One reservation to make, settle or release (the gateway keeps each request's own in memory). */
export interface HoldRequest {
  workspaceId: string
  amountNano: number
  /**
   * Headroom to hold on top when the workspace has plenty (at least four times this beyond the
   * request): the instance then grants the next requests from it without a database round trip.
   */
  extraNano?: number
  /**
   * The spend limits this hold counts against (the key's ID, the workspace's ID), checked in the
   * same locked transaction as the balance; such holds never get headroom.
   */
  budgetScopes?: readonly string[] | null
}

/** A reservation refused by a spend limit: which one, and where it stands. */
export interface BudgetRefusal {
  scope: 'key' | 'workspace'
  scopeId: string
  period: BudgetPeriod
  limitNano: number
  /** Spent in the current period. */
  spentNano: number
  /** Held by running requests. */
  heldNano: number
  /** When the period's counter starts again (null: `total` never does). */
  resetsAt: string | null
}

/** What a reservation got: granted (with any headroom), or refused by the balance or a limit. */
export type ReserveResult =
  | { reserved: true; extraNano: number }
  | { reserved: false; availableNano: number; budget?: BudgetRefusal }

/** What a settlement batch charged, in input order, and what it did to each workspace. */
export interface SettleResult {
  charges: { chargedNano: number }[]
  observations: SpendObservation[]
}

export interface Settlement {
  workspaceId: string
  /** The spend limits its hold counted against (as reserved). */
  budgetScopes?: readonly string[] | null
  /** What the request reserved. */
  holdNano: number
  /** What it cost; the charge is at most this. */
  costNano: number
  /** The ID of the batch's usage entry in this workspace, if this settlement comes first in it. */
  entryId: string
  /**
   * The request's log row, written in the settlement's transaction with `chargedNano` and
   * `ledgerEntryId` filled in (a replay fails on its primary key: nothing is charged twice).
   */
  record: RequestLogRecord
  at: string
}

/** A workspace whose cached balance or held amount disagrees with its ledger, open holds or credit lots. */
export interface BalanceMismatch {
  kind: 'balance'
  workspaceId: string
  balanceNano: number
  ledgerSumNano: number
  heldNano: number
  openHoldsNano: number
  lotsRemainingNano: number
}

/** A spend limit whose held amount is not what the instances' open holds on it add up to. */
export interface BudgetMismatch {
  kind: 'budget'
  workspaceId: string
  scopeId: string
  heldNano: number
  openHoldsNano: number
}

/** A usage entry whose amount is not the sum of the charges on its request-log rows. */
export interface UsageMismatch {
  kind: 'usage'
  workspaceId: string
  entryId: string
  /** What the entry debited (positive). */
  entryNano: number
  /** The sum of `charged_nano` over the rows that name the entry. */
  rowsNano: number
}

export interface LedgerRepository {
  /**
   * Appends entries of one workspace and moves its balance, in one transaction. Idempotent: if the
   * first entry's idempotency key was used before, nothing is written and the earlier entries are
   * returned with `replayed: true`. A debit that would take the balance below what open holds
   * need fails with `InsufficientFundsError` unless `allowNegative`.
   */
  append(
    entries: readonly NewLedgerEntry[],
    options?: { allowNegative?: boolean },
  ): Promise<{ entries: LedgerEntryRecord[]; replayed: boolean }>
  balance(workspaceId: string): Promise<Balance>
  /** Newest first; `before` is an entry ID to page from. */
  list(
    workspaceId: string,
    options: { limit: number; before?: string | undefined },
  ): Promise<LedgerEntryRecord[]>
  /**
   * Reserves for many requests of one instance in one transaction, in order within a workspace:
   * each is granted while the balance minus open holds covers it (the check and the hold are one
   * locked update, so concurrent reservations on any instance never overspend). Results in input order.
   */
  reserveMany(instanceId: string, holds: readonly HoldRequest[], at: string): Promise<ReserveResult[]>
  /**
   * Settles many requests in one transaction: each charge is at most its cost and never takes
   * the balance below zero; each hold is released; per workspace the charges are one `usage`
   * entry, and each request's log row (with its charge) is written. A hold that counted against
   * spend limits is charged at most what they leave, and their counters move with the balance.
   * Charges in input order, and per workspace what the batch did (for alerts and auto top-up).
   */
  settleMany(instanceId: string, settlements: readonly Settlement[]): Promise<SettleResult>
  /** Releases holds without charge. */
  releaseMany(instanceId: string, holds: readonly HoldRequest[], at: string): Promise<void>
  /** Marks the instance alive (its holds are not reclaimed). */
  heartbeat(instanceId: string, at: string): Promise<void>
  /** Returns the holds of instances silent since before `staleBefore` to their workspaces. */
  reclaimStale(staleBefore: string): Promise<{ instanceId: string; workspaceId: string; heldNano: number }[]>
  /**
   * Expires what is left of credit lots past their expiry (as `expiry` entries), never below what
   * open holds need (the rest expires once they settle). Returns the entries written.
   */
  expireCredits(now: string, limit: number): Promise<LedgerEntryRecord[]>
  /**
   * Every disagreement: balances against entries, holds and lots; usage entries (created at or
   * after `usageSince`, default all: older request-log rows may have gone with retention)
   * against the charges on their request-log rows.
   */
  verify(options?: {
    usageSince?: string | undefined
  }): Promise<(BalanceMismatch | UsageMismatch | BudgetMismatch)[]>
  /** Creates the workspace's balance row (zero); safe to call twice. */
  open(workspaceId: string, at: string): Promise<void>
  createCodes(codes: readonly CreditCodeRecord[]): Promise<void>
  /**
   * Redeems a code for a workspace in one transaction (code marked used + `redemption` entry).
   * The same workspace redeeming again gets `replayed` (nothing credited twice).
   */
  redeemCode(input: {
    codeHash: string
    workspaceId: string
    entryId: string
    actor: string
    at: string
    /** When the credited amount expires (null: never). */
    creditExpiresAt: string | null
  }): Promise<
    | { status: 'redeemed' | 'replayed'; entry: LedgerEntryRecord }
    | { status: 'unknown' | 'used' | 'expired' | 'revoked' }
  >
}

export interface CreditCodeRecord {
  codeHash: string
  prefix: string
  batchId: string
  amountNano: number
  expiresAt: string | null
  createdAt: string
}

/** A debit the balance cannot cover. */
export class InsufficientFundsError extends Error {
  override name = 'InsufficientFundsError'
  readonly availableNano: number
  constructor(availableNano: number) {
    super(`insufficient funds: ${availableNano} nano-USD available`)
    this.availableNano = availableNano
  }
}

/** Everything the gateway persists. */
export interface Store {
  readonly dialect: Dialect
  /** Statements (SQLite) or round trips (PostgreSQL) sent, on a request's path or in the background. */
  readonly roundTrips: RoundTripCounter
  /** Committed changes to what instances cache (keys, settings, limits, BYOK), from any process. */
  readonly changes: ChangeNotifications
  readonly workspaces: WorkspaceRepository
  readonly apiKeys: ApiKeyRepository
  readonly byokCredentials: ByokCredentialRepository
  readonly ledger: LedgerRepository
  readonly requestLogs: RequestLogRepository
  /** The operator's reads and controls across workspaces (overview, credit codes, revenue). */
  readonly operator: OperatorRepository
  readonly accounts: AccountRepository
  readonly payments: PaymentRepository
  /** Auto top-up: settings, saved cards and the once-per-interval claim. */
  readonly autoTopUp: AutoTopUpRepository
  /** Spend limits of keys and workspaces (checked in the ledger's reservations). */
  readonly budgets: BudgetRepository
  /** Alert settings, webhooks, events and their deliveries. */
  readonly alerts: AlertRepository
  /** Applies pending migrations; safe to run concurrently from several instances. */
  migrate(): Promise<void>
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>
  close(): Promise<void>
}

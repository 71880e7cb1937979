/**
 * Request logs: the records (metadata only, never prompts or answers), the daily activity and
 * export shapes, and the repository interface (implemented in request-log-repository.ts). No
 * import of store.ts, so the Store can name it without a circle.
 *
 * @module
 */

export interface RequestLogRecord {
  id: string
  requestId: string
  workspaceId: string
  keyId: string
  model: string | null
  lane: string | null
  provider: string | null
  upstreamModel: string | null
  stream: boolean
  status: number
  errorCode: string | null
  promptTokens: number
  completionTokens: number
  cachedTokens: number
  costNano: number
  /** What was taken from the balance (at most `costNano`; less when the balance ran out). */
  chargedNano: number
  /** The usage ledger entry that includes the charge (null: nothing charged). */
  ledgerEntryId: string | null
  latencyMs: number
  firstByteMs: number | null
  finishReason: string | null
  usageSource: 'upstream' | 'estimated' | null
  createdAt: string
}

export interface ActivityRow {
  day: string
  group: string
  requests: number
  promptTokens: number
  completionTokens: number
  costNano: number
}

/** Which request-log rows an export reads: `[from, to)` on `created_at`, the rest exact matches. */
export interface RequestLogExportFilter {
  /** One workspace; undefined: every workspace (the operator's export). */
  workspaceId: string | undefined
  from: string
  to: string
  keyId: string | undefined
  model: string | undefined
  lane: string | undefined
}

/** Where an export page starts: after this row in `(created_at, id)` order. */
export interface RequestLogCursor {
  createdAt: string
  id: string
}

/** A request-log row with its key's display name and prefix (never the key). */
export interface RequestLogExportRow extends RequestLogRecord {
  keyName: string | null
  keyPrefix: string | null
}

export interface RequestLogRepository {
  insertMany(records: readonly RequestLogRecord[]): Promise<void>
  /**
   * One page of an export, oldest first in `(created_at, id)` order, after `cursor` (keyset
   * paging: each page is its own short query, so an export of any size holds no transaction).
   */
  exportPage(
    filter: RequestLogExportFilter,
    cursor: RequestLogCursor | undefined,
    limit: number,
  ): Promise<RequestLogExportRow[]>
  find(workspaceId: string, id: string): Promise<RequestLogRecord | undefined>
  /** Newest first; `before` is the ID of the row to page from (the last of the previous page). */
  list(
    workspaceId: string,
    options: {
      limit: number
      before?: string | undefined
      model?: string | undefined
      lane?: string | undefined
    },
  ): Promise<RequestLogRecord[]>
  /** Requests, tokens and spend per UTC day and per `groupBy`, since `since`. */
  activity(
    workspaceId: string,
    since: string,
    groupBy: 'model' | 'provider' | 'lane' | 'key',
  ): Promise<ActivityRow[]>
  /** Deletes rows older than `before`, at most `limit`; returns how many. */
  deleteOlderThan(before: string, limit: number): Promise<number>
  /**
   * Retention and upkeep: on PostgreSQL creates the coming days' partitions and drops those past
   * `retentionDays` (whole tables, no row deletes); elsewhere deletes old rows in bounded batches.
   * Returns how many partitions or rows went.
   */
  maintain(now: Date, retentionDays: number): Promise<number>
}

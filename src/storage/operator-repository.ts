/**
 * The operator's reads and controls across every workspace, on either dialect: the workspace
 * overview (balances and recent spend, a fixed number of queries whatever the number of
 * workspaces), credit codes (list and revoke, never a code or its hash in the answer types) and
 * revenue sums per day, computed by the database.
 *
 * Standalone on purpose: it imports nothing from `store.ts`, which names its interface (a
 * type-only import each way would be an import circle).
 *
 * @module
 */
import { type Kysely, type SqlBool, sql } from 'kysely'
import type { DatabaseSchema, Dialect } from './schema.ts'

/** One workspace as the operator sees it: settings that matter to them and its money. */
export interface OperatorWorkspaceRow {
  id: string
  name: string
  createdAt: string
  /** Rate-limit tier; null: the config's default tier. */
  tier: string | null
  suspended: boolean
  balanceNano: number
  heldNano: number
  /** What the workspace's requests were charged since `spendSince` (request-log `charged_nano`). */
  spendNano: number
}

/** A stored credit code without its secret: the hash stays internal to the repository's callers. */
export interface CreditCodeRow {
  /** Internal identity (SHA-256 of the code); never sent to a client. */
  codeHash: string
  prefix: string
  batchId: string
  amountNano: number
  createdAt: string
  expiresAt: string | null
  redeemedBy: string | null
  redeemedAt: string | null
  revokedAt: string | null
}

/** Where a page of codes starts: the last code of the previous page (newest-first order). */
export interface CreditCodeCursor {
  createdAt: string
  /** The first characters of that code's hash (enough to order within one batch). */
  hashStart: string
}

/** One sum of ledger amounts (signed, as written) per UTC day and entry kind. */
export interface LedgerDayRow {
  day: string
  kind: string
  amountNano: number
}

/** What requests of one lane were charged on one UTC day. */
export interface LaneUsageRow {
  day: string
  /** `-` for rows without a lane (refused before routing). */
  lane: string
  requests: number
  chargedNano: number
}

/** Which codes a revocation or lookup is about. */
export type CreditCodeMatch = { prefix: string } | { codeHash: string } | { batchId: string }

export interface OperatorRepository {
  /**
   * Every workspace (oldest first), or those whose name or ID contains `search` (any case), or
   * the one with ID `id`; with balance, held amount and the charges since `spendSince`.
   */
  workspaces(options: {
    spendSince: string
    search?: string | undefined
    id?: string | undefined
  }): Promise<OperatorWorkspaceRow[]>
  /** Newest first, from after `before`. */
  listCodes(options: { limit: number; before?: CreditCodeCursor | undefined }): Promise<CreditCodeRow[]>
  /** The codes a prefix, full-code hash or batch names (at most `limit`, default 1000). */
  findCodes(match: CreditCodeMatch, limit?: number): Promise<CreditCodeRow[]>
  /** Sets `revoked_at` on those of the codes still unused and not revoked; returns how many. */
  revokeCodes(codeHashes: readonly string[], at: string): Promise<number>
  /** Ledger amounts per UTC day and kind since `since` (a `YYYY-MM-DD` day or an ISO time). */
  ledgerByDay(since: string): Promise<LedgerDayRow[]>
  /** Requests and charges per UTC day and lane since `since`. */
  usageByLane(since: string): Promise<LaneUsageRow[]>
}

/** A SUM or COUNT as the engines return it (PostgreSQL's numeric arrives as text) → an exact safe integer. */
function toSafeInteger(value: unknown): number {
  if (value === null || value === undefined) return 0
  const exact = typeof value === 'bigint' ? value : BigInt(String(value))
  if (exact > BigInt(Number.MAX_SAFE_INTEGER) || exact < BigInt(Number.MIN_SAFE_INTEGER))
    throw new RangeError('amount too large')
  return Number(exact)
}

/** `LIKE` pattern for a literal substring (`%`, `_` and `\` escaped with `\`). */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`
}

const DAY = sql<string>`substr(created_at, 1, 10)`

/** The operator's queries on either dialect (`dialect` kept for branches to come; none needed yet). */
export function createOperatorRepository(db: Kysely<DatabaseSchema>, _dialect: Dialect): OperatorRepository {
  const codeColumns = [
    'code_hash',
    'prefix',
    'batch_id',
    'amount_nano',
    'created_at',
    'expires_at',
    'redeemed_by',
    'redeemed_at',
    'revoked_at',
  ] as const
  const toCode = (row: {
    code_hash: string
    prefix: string
    batch_id: string
    amount_nano: number
    created_at: string
    expires_at: string | null
    redeemed_by: string | null
    redeemed_at: string | null
    revoked_at: string | null
  }): CreditCodeRow => ({
    codeHash: row.code_hash,
    prefix: row.prefix,
    batchId: row.batch_id,
    amountNano: Number(row.amount_nano),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    redeemedBy: row.redeemed_by,
    redeemedAt: row.redeemed_at,
    revokedAt: row.revoked_at,
  })

  return {
    async workspaces({ spendSince, search, id }) {
      let query = db
        .selectFrom('workspaces')
        .leftJoin('workspace_balances', 'workspace_balances.workspace_id', 'workspaces.id')
        .select([
          'workspaces.id',
          'workspaces.name',
          'workspaces.created_at',
          'workspaces.tier',
          'workspaces.suspended',
          'workspace_balances.balance_nano',
          'workspace_balances.held_nano',
        ])
        .orderBy('workspaces.created_at')
        .orderBy('workspaces.id')
      if (id !== undefined) query = query.where('workspaces.id', '=', id)
      if (search !== undefined && search !== '') {
        // lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's only for non-ASCII.
        const pattern = containsPattern(search)
        query = query.where((eb) =>
          eb.or([
            sql<SqlBool>`lower(workspaces.name) like ${pattern} escape '\\'`,
            sql<SqlBool>`lower(workspaces.id) like ${pattern} escape '\\'`,
          ]),
        )
      }
      const rows = await query.execute()
      if (rows.length === 0) return []
      // One grouped query for every workspace's spend; narrowed to the few asked for when filtered.
      let spendQuery = db
        .selectFrom('request_logs')
        .select(['workspace_id', (eb) => eb.fn.sum<number>('charged_nano').as('spend')])
        .where('created_at', '>=', spendSince)
        .groupBy('workspace_id')
      const filtered = id !== undefined || (search !== undefined && search !== '')
      if (filtered && rows.length <= 500)
        spendQuery = spendQuery.where(
          'workspace_id',
          'in',
          rows.map((row) => row.id),
        )
      const spend = new Map(
        (await spendQuery.execute()).map((row) => [row.workspace_id, toSafeInteger(row.spend)]),
      )
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        createdAt: row.created_at,
        tier: row.tier,
        suspended: Number(row.suspended) === 1,
        balanceNano: toSafeInteger(row.balance_nano),
        heldNano: toSafeInteger(row.held_nano),
        spendNano: spend.get(row.id) ?? 0,
      }))
    },

    async listCodes({ limit, before }) {
      let query = db
        .selectFrom('credit_codes')
        .select(codeColumns)
        .orderBy('created_at', 'desc')
        .orderBy('code_hash', 'desc')
        .limit(limit)
      if (before !== undefined) {
        // A hash that starts with `hashStart` sorts after it: the cursor's own code is excluded.
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '<', before.createdAt),
            eb.and([eb('created_at', '=', before.createdAt), eb('code_hash', '<', before.hashStart)]),
          ]),
        )
      }
      return (await query.execute()).map(toCode)
    },

    async findCodes(match, limit = 1000) {
      let query = db
        .selectFrom('credit_codes')
        .select(codeColumns)
        .orderBy('created_at', 'desc')
        .orderBy('code_hash', 'desc')
        .limit(limit)
      if ('prefix' in match) query = query.where('prefix', '=', match.prefix)
      else if ('codeHash' in match) query = query.where('code_hash', '=', match.codeHash)
      else query = query.where('batch_id', '=', match.batchId)
      return (await query.execute()).map(toCode)
    },

    async revokeCodes(codeHashes, at) {
      let revoked = 0
      for (let start = 0; start < codeHashes.length; start += 500) {
        // The same conditions as a redemption's claim: whichever of the two comes first wins.
        const result = await db
          .updateTable('credit_codes')
          .set({ revoked_at: at })
          .where('code_hash', 'in', codeHashes.slice(start, start + 500))
          .where('redeemed_by', 'is', null)
          .where('revoked_at', 'is', null)
          .executeTakeFirst()
        revoked += Number(result.numUpdatedRows)
      }
      return revoked
    },

    async ledgerByDay(since) {
      const rows = await db
        .selectFrom('ledger_entries')
        .select([DAY.as('day'), 'kind', (eb) => eb.fn.sum<number>('amount_nano').as('amount')])
        .where('created_at', '>=', since)
        .groupBy([DAY, 'kind'])
        .orderBy('day')
        .orderBy('kind')
        .execute()
      return rows.map((row) => ({ day: row.day, kind: row.kind, amountNano: toSafeInteger(row.amount) }))
    },

    async usageByLane(since) {
      const lane = sql<string>`coalesce(lane, '-')`
      const rows = await db
        .selectFrom('request_logs')
        .select([
          DAY.as('day'),
          lane.as('lane_name'),
          (eb) => eb.fn.countAll<number>().as('requests'),
          (eb) => eb.fn.sum<number>('charged_nano').as('charged'),
        ])
        .where('created_at', '>=', since)
        .groupBy([DAY, lane])
        .orderBy('day')
        .orderBy('lane_name')
        .execute()
      return rows.map((row) => ({
        day: row.day,
        lane: row.lane_name,
        requests: toSafeInteger(row.requests),
        chargedNano: toSafeInteger(row.charged),
      }))
    },
  }
}

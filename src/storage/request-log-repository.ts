import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import { type InsertColumns, insertRows, maxRowsPerStatement } from './raw-insert.ts'
import type { DatabaseSchema, Dialect, RequestLogsTable } from './schema.ts'
import type { RequestLogRecord, RequestLogRepository } from './store.ts'

function toRecord(row: Selectable<RequestLogsTable>): RequestLogRecord {
  return {
    id: row.id,
    requestId: row.request_id,
    workspaceId: row.workspace_id,
    keyId: row.key_id,
    model: row.model,
    lane: row.lane,
    provider: row.provider,
    upstreamModel: row.upstream_model,
    stream: Number(row.stream) === 1,
    status: Number(row.status),
    errorCode: row.error_code,
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cachedTokens: Number(row.cached_tokens),
    costNano: Number(row.cost_nano),
    chargedNano: Number(row.charged_nano),
    ledgerEntryId: row.ledger_entry_id,
    latencyMs: Number(row.latency_ms),
    firstByteMs: row.first_byte_ms === null ? null : Number(row.first_byte_ms),
    finishReason: row.finish_reason,
    usageSource: row.usage_source as RequestLogRecord['usageSource'],
    createdAt: row.created_at,
  }
}

const DAY_MS = 86_400_000
const PARTITIONS_AHEAD = 3

const GROUP_COLUMNS = { model: 'model', provider: 'provider', lane: 'lane', key: 'key_id' } as const

/**
 * Text cut to its column's width. PostgreSQL refuses a longer value, and one refused row would
 * fail its whole batch, again at every retry (an upstream's `finish_reason` is whatever it sends).
 */
function clamp(value: string | null, width: number): string | null {
  return value === null || value.length <= width ? value : value.slice(0, width)
}

/** The widths of the text columns that hold what the request or the upstream said (see the migration). */
const WIDTH = {
  model: 200,
  lane: 16,
  provider: 64,
  errorCode: 64,
  finishReason: 32,
  usageSource: 16,
} as const

/** The columns a log row writes, in the order of `requestLogValues`. */
export const REQUEST_LOG_COLUMNS: InsertColumns = {
  id: 'text',
  request_id: 'text',
  workspace_id: 'text',
  key_id: 'text',
  model: 'text',
  lane: 'text',
  provider: 'text',
  upstream_model: 'text',
  stream: 'int4',
  status: 'int4',
  error_code: 'text',
  prompt_tokens: 'int4',
  completion_tokens: 'int4',
  cached_tokens: 'int4',
  cost_nano: 'int8',
  charged_nano: 'int8',
  ledger_entry_id: 'text',
  latency_ms: 'int4',
  first_byte_ms: 'int4',
  finish_reason: 'text',
  usage_source: 'text',
  created_at: 'text',
}

/** One row's values for `REQUEST_LOG_COLUMNS`, text from outside cut to its column's width. */
export function requestLogValues(record: RequestLogRecord): unknown[] {
  return [
    record.id,
    record.requestId,
    record.workspaceId,
    record.keyId,
    clamp(record.model, WIDTH.model),
    clamp(record.lane, WIDTH.lane),
    clamp(record.provider, WIDTH.provider),
    clamp(record.upstreamModel, WIDTH.model),
    record.stream ? 1 : 0,
    record.status,
    clamp(record.errorCode, WIDTH.errorCode),
    record.promptTokens,
    record.completionTokens,
    record.cachedTokens,
    record.costNano,
    record.chargedNano,
    record.ledgerEntryId,
    record.latencyMs,
    record.firstByteMs,
    clamp(record.finishReason, WIDTH.finishReason),
    clamp(record.usageSource, WIDTH.usageSource),
    record.createdAt,
  ]
}

/** Request logs on either dialect: batched inserts, workspace-scoped reads, daily activity. */
export function createRequestLogRepository(
  db: Kysely<DatabaseSchema>,
  dialect: Dialect,
): RequestLogRepository {
  return {
    async insertMany(records) {
      // One transaction for the batch: on SQLite each statement (64 rows at most) would otherwise
      // commit by itself and write its pages to the WAL, eleven times for a batch of 500.
      const insert = (executor: Kysely<unknown> | Transaction<unknown>) =>
        insertRows(
          executor,
          dialect,
          'request_logs',
          REQUEST_LOG_COLUMNS,
          records.map(requestLogValues),
          // A partitioned table's unique keys include the partition key.
          { ignoreConflictOn: dialect === 'postgres' ? 'id, created_at' : 'id' },
        )
      if (records.length <= maxRowsPerStatement(dialect)) await insert(db as Kysely<unknown>)
      else await (db as Kysely<unknown>).transaction().execute(insert)
    },
    async find(workspaceId, id) {
      const row = await db
        .selectFrom('request_logs')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row && toRecord(row)
    },
    async list(workspaceId, { limit, before, model, lane }) {
      let query = db
        .selectFrom('request_logs')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
      if (before !== undefined) {
        // `before` is a row's ID (the last of the previous page): the rows after it in this order.
        const anchor = await db
          .selectFrom('request_logs')
          .select(['created_at', 'id'])
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', before)
          .executeTakeFirst()
        if (anchor === undefined) return []
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '<', anchor.created_at),
            eb.and([eb('created_at', '=', anchor.created_at), eb('id', '<', anchor.id)]),
          ]),
        )
      }
      if (model !== undefined) query = query.where('model', '=', model)
      if (lane !== undefined) query = query.where('lane', '=', lane)
      return (await query.execute()).map(toRecord)
    },
    async exportPage(filter, cursor, limit) {
      let query = db
        .selectFrom('request_logs')
        .leftJoin('api_keys', 'api_keys.id', 'request_logs.key_id')
        .selectAll('request_logs')
        .select(['api_keys.name as key_name', 'api_keys.prefix as key_prefix'])
        // A range on created_at: the (workspace_id, created_at) or (created_at) index, and on
        // PostgreSQL only the partitions of the days asked for.
        .where('request_logs.created_at', '>=', cursor === undefined ? filter.from : cursor.createdAt)
        .where('request_logs.created_at', '<', filter.to)
        .orderBy('request_logs.created_at')
        .orderBy('request_logs.id')
        .limit(limit)
      if (cursor !== undefined) {
        const { createdAt, id } = cursor
        query = query.where((eb) =>
          eb.or([
            eb('request_logs.created_at', '>', createdAt),
            eb.and([eb('request_logs.created_at', '=', createdAt), eb('request_logs.id', '>', id)]),
          ]),
        )
      }
      if (filter.workspaceId !== undefined)
        query = query.where('request_logs.workspace_id', '=', filter.workspaceId)
      if (filter.keyId !== undefined) query = query.where('request_logs.key_id', '=', filter.keyId)
      if (filter.model !== undefined) query = query.where('request_logs.model', '=', filter.model)
      if (filter.lane !== undefined) query = query.where('request_logs.lane', '=', filter.lane)
      return (await query.execute()).map(({ key_name, key_prefix, ...row }) => ({
        ...toRecord(row),
        keyName: key_name,
        keyPrefix: key_prefix,
      }))
    },
    async activity(workspaceId, since, groupBy) {
      const column = GROUP_COLUMNS[groupBy]
      // created_at is ISO-8601 UTC text on both engines: its first 10 characters are the day.
      const day = sql<string>`substr(created_at, 1, 10)`
      const rows = await db
        .selectFrom('request_logs')
        .select([
          day.as('day'),
          sql<string>`coalesce(${sql.ref(column)}, '-')`.as('group_value'),
          (eb) => eb.fn.countAll<number>().as('requests'),
          (eb) => eb.fn.sum<number>('prompt_tokens').as('prompt_tokens'),
          (eb) => eb.fn.sum<number>('completion_tokens').as('completion_tokens'),
          (eb) => eb.fn.sum<number>('cost_nano').as('cost_nano'),
        ])
        .where('workspace_id', '=', workspaceId)
        .where('created_at', '>=', since)
        .groupBy([day, sql.ref(column)])
        .orderBy('day')
        .orderBy('group_value')
        .execute()
      return rows.map((row) => ({
        day: row.day,
        group: row.group_value,
        requests: Number(row.requests),
        promptTokens: Number(row.prompt_tokens),
        completionTokens: Number(row.completion_tokens),
        costNano: Number(row.cost_nano),
      }))
    },
    async maintain(now, retentionDays) {
      const day = (offset: number) => new Date(now.getTime() + offset * DAY_MS).toISOString().slice(0, 10)
      if (dialect === 'postgres') {
        // Today's and the next days' partitions exist before their first row.
        for (let offset = 0; offset <= PARTITIONS_AHEAD; offset++) {
          const from = day(offset)
          const name = `request_logs_p${from.replaceAll('-', '')}`
          await sql`create table if not exists ${sql.raw(name)} partition of request_logs for values from (${sql.lit(from)}) to (${sql.lit(day(offset + 1))})`
            .execute(db)
            .catch((error: { code?: string }) => {
              // another instance created it at the same moment, or rows for that day already sit in the default partition
              if (error.code !== '42P07' && error.code !== '23514') throw error
            })
        }
      }
      if (retentionDays <= 0) return 0
      const cutoff = day(-retentionDays)
      let removed = 0
      if (dialect === 'postgres') {
        const partitions = await sql<{ name: string }>`
          select child.relname as name from pg_inherits
          join pg_class child on child.oid = pg_inherits.inhrelid
          join pg_class parent on parent.oid = pg_inherits.inhparent
          join pg_namespace on pg_namespace.oid = parent.relnamespace
          where parent.relname = 'request_logs' and pg_namespace.nspname = current_schema()`.execute(db)
        for (const { name } of partitions.rows) {
          const match = /^request_logs_p(\d{4})(\d{2})(\d{2})$/.exec(name)
          // A partition holds one day, [day, day + 1): all of it is past retention when day < cutoff.
          if (match !== null && `${match[1]}-${match[2]}-${match[3]}` < cutoff) {
            await sql`drop table if exists ${sql.raw(name)}`.execute(db)
            removed++
          }
        }
      }
      // Rows outside the dropped partitions (SQLite, or PostgreSQL's default partition).
      for (let round = 0; round < 100; round++) {
        const deleted = await this.deleteOlderThan(`${cutoff}T00:00:00.000Z`, 5_000)
        removed += deleted
        if (deleted === 0) break
      }
      return removed
    },
    async deleteOlderThan(before, limit) {
      const ids = await db
        .selectFrom('request_logs')
        .select('id')
        .where('created_at', '<', before)
        .orderBy('created_at')
        .limit(limit)
        .execute()
      if (ids.length === 0) return 0
      const result = await db
        .deleteFrom('request_logs')
        .where(
          'id',
          'in',
          ids.map((row) => row.id),
        )
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

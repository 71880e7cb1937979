import { type Kysely, type Selectable, sql } from 'kysely'
import type { DatabaseSchema, RequestLogsTable } from './schema.ts'
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
    latencyMs: Number(row.latency_ms),
    firstByteMs: row.first_byte_ms === null ? null : Number(row.first_byte_ms),
    finishReason: row.finish_reason,
    usageSource: row.usage_source as RequestLogRecord['usageSource'],
    createdAt: row.created_at,
  }
}

const GROUP_COLUMNS = { model: 'model', provider: 'provider', lane: 'lane', key: 'key_id' } as const
const INSERT_BATCH = 200

/** Request logs on either dialect: batched inserts, workspace-scoped reads, daily activity. */
export function createRequestLogRepository(db: Kysely<DatabaseSchema>): RequestLogRepository {
  return {
    async insertMany(records) {
      for (let start = 0; start < records.length; start += INSERT_BATCH) {
        await db
          .insertInto('request_logs')
          .values(
            records.slice(start, start + INSERT_BATCH).map((record) => ({
              id: record.id,
              request_id: record.requestId,
              workspace_id: record.workspaceId,
              key_id: record.keyId,
              model: record.model,
              lane: record.lane,
              provider: record.provider,
              upstream_model: record.upstreamModel,
              stream: record.stream ? 1 : 0,
              status: record.status,
              error_code: record.errorCode,
              prompt_tokens: record.promptTokens,
              completion_tokens: record.completionTokens,
              cached_tokens: record.cachedTokens,
              cost_nano: record.costNano,
              latency_ms: record.latencyMs,
              first_byte_ms: record.firstByteMs,
              finish_reason: record.finishReason,
              usage_source: record.usageSource,
              created_at: record.createdAt,
            })),
          )
          .onConflict((conflict) => conflict.column('id').doNothing())
          .execute()
      }
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
      if (before !== undefined) query = query.where('created_at', '<', before)
      if (model !== undefined) query = query.where('model', '=', model)
      if (lane !== undefined) query = query.where('lane', '=', lane)
      return (await query.execute()).map(toRecord)
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

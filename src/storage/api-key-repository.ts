import type { Kysely, Selectable } from 'kysely'
import type { ApiKeysTable, DatabaseSchema } from './schema.ts'
import type { ApiKeyRecord, ApiKeyRepository } from './store.ts'
import { limitsOf, toWorkspaceRecord } from './workspace-repository.ts'

function toApiKeyRecord(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    allowedLanes: row.allowed_lanes === null ? null : row.allowed_lanes.split(',').filter(Boolean),
    allowedModels: row.allowed_models === null ? null : (JSON.parse(row.allowed_models) as string[]),
    management: Number(row.management) === 1,
    limits: limitsOf(row),
  }
}

/** API keys on either dialect. */
export function createApiKeyRepository(db: Kysely<DatabaseSchema>): ApiKeyRepository {
  return {
    async create(record) {
      await db
        .insertInto('api_keys')
        .values({
          id: record.id,
          workspace_id: record.workspaceId,
          name: record.name,
          prefix: record.prefix,
          hash: record.hash,
          created_at: record.createdAt,
          last_used_at: record.lastUsedAt,
          expires_at: record.expiresAt,
          revoked_at: record.revokedAt,
          allowed_lanes: record.allowedLanes === null ? null : record.allowedLanes.join(','),
          allowed_models: record.allowedModels === null ? null : JSON.stringify(record.allowedModels),
          management: record.management ? 1 : 0,
          rpm_limit: record.limits.rpm,
          tpm_limit: record.limits.tpm,
          concurrency_limit: record.limits.concurrency,
        })
        .execute()
    },
    async findByHash(hash) {
      const row = await db
        .selectFrom('api_keys')
        .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
        // Whether the key and its workspace carry spend limits (their holds then go through storage).
        .leftJoin('spend_budgets as key_budget', 'key_budget.scope_id', 'api_keys.id')
        .leftJoin('spend_budgets as workspace_budget', 'workspace_budget.scope_id', 'api_keys.workspace_id')
        .selectAll('api_keys')
        .select([
          'workspaces.name as workspace_name',
          'workspaces.created_at as workspace_created_at',
          'workspaces.default_lane',
          'workspaces.deny_data_collection',
          'workspaces.tier',
          'workspaces.prompt_cache',
          'workspaces.suspended',
          'workspaces.rpm_limit as workspace_rpm_limit',
          'workspaces.tpm_limit as workspace_tpm_limit',
          'workspaces.concurrency_limit as workspace_concurrency_limit',
          'key_budget.active as key_budget_active',
          'workspace_budget.active as workspace_budget_active',
        ])
        .where('api_keys.hash', '=', hash)
        .executeTakeFirst()
      if (row === undefined) return undefined
      return {
        key: toApiKeyRecord(row),
        workspace: toWorkspaceRecord({
          id: row.workspace_id,
          name: row.workspace_name,
          created_at: row.workspace_created_at,
          default_lane: row.default_lane,
          deny_data_collection: row.deny_data_collection,
          tier: row.tier,
          prompt_cache: row.prompt_cache,
          suspended: row.suspended,
          rpm_limit: row.workspace_rpm_limit,
          tpm_limit: row.workspace_tpm_limit,
          concurrency_limit: row.workspace_concurrency_limit,
        }),
        budgets: {
          key: Number(row.key_budget_active ?? 0) === 1,
          workspace: Number(row.workspace_budget_active ?? 0) === 1,
        },
      }
    },
    async find(id) {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toApiKeyRecord(row)
    },
    async list(workspaceId) {
      let query = db.selectFrom('api_keys').selectAll()
      if (workspaceId !== undefined) query = query.where('workspace_id', '=', workspaceId)
      const rows = await query.orderBy('created_at').orderBy('id').execute()
      return rows.map(toApiKeyRecord)
    },
    async revoke(id, at) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    async touch(lastUsed) {
      if (lastUsed.size === 0) return
      await db.transaction().execute(async (transaction) => {
        // In ID order: two instances touching the same keys never deadlock.
        for (const [id, at] of [...lastUsed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          await transaction
            .updateTable('api_keys')
            .set({ last_used_at: at })
            .where('id', '=', id)
            .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
            .execute()
        }
      })
    },
  }
}

import type { Kysely, Selectable } from 'kysely'
import type { DatabaseSchema, WorkspacesTable } from './schema.ts'
import type { WorkspaceRecord, WorkspaceRepository } from './store.ts'

export function toWorkspaceRecord(row: Selectable<WorkspacesTable>): WorkspaceRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    defaultLane: row.default_lane === 'cheap' || row.default_lane === 'resale' ? row.default_lane : null,
    denyDataCollection: Number(row.deny_data_collection) === 1,
    tier: row.tier,
    limits: limitsOf(row),
    promptCache: row.prompt_cache === undefined ? true : Number(row.prompt_cache) === 1,
    suspended: row.suspended === undefined ? false : Number(row.suspended) === 1,
  }
}

export function limitsOf(row: {
  rpm_limit: number | null
  tpm_limit: number | null
  concurrency_limit: number | null
}) {
  const number = (value: number | null) => (value === null ? null : Number(value))
  return {
    rpm: number(row.rpm_limit),
    tpm: number(row.tpm_limit),
    concurrency: number(row.concurrency_limit),
  }
}

/** Workspaces on either dialect. */
export function createWorkspaceRepository(db: Kysely<DatabaseSchema>): WorkspaceRepository {
  return {
    async create(record) {
      await db
        .insertInto('workspaces')
        .values({
          id: record.id,
          name: record.name,
          created_at: record.createdAt,
          default_lane: record.defaultLane ?? null,
          deny_data_collection: record.denyDataCollection ? 1 : 0,
          tier: record.tier ?? null,
          prompt_cache: record.promptCache === false ? 0 : 1,
          suspended: record.suspended === true ? 1 : 0,
          rpm_limit: record.limits?.rpm ?? null,
          tpm_limit: record.limits?.tpm ?? null,
          concurrency_limit: record.limits?.concurrency ?? null,
        })
        .execute()
    },
    async updateSettings(id, settings) {
      const values: {
        default_lane?: string | null
        deny_data_collection?: number
        tier?: string | null
        rpm_limit?: number | null
        tpm_limit?: number | null
        concurrency_limit?: number | null
        prompt_cache?: number
        suspended?: number
      } = {}
      if (settings.defaultLane !== undefined) values.default_lane = settings.defaultLane
      if (settings.denyDataCollection !== undefined)
        values.deny_data_collection = settings.denyDataCollection ? 1 : 0
      if (settings.tier !== undefined) values.tier = settings.tier
      if (settings.promptCache !== undefined) values.prompt_cache = settings.promptCache ? 1 : 0
      if (settings.suspended !== undefined) values.suspended = settings.suspended ? 1 : 0
      if (settings.limits !== undefined) {
        values.rpm_limit = settings.limits.rpm
        values.tpm_limit = settings.limits.tpm
        values.concurrency_limit = settings.limits.concurrency
      }
      if (Object.keys(values).length === 0) {
        const row = await db.selectFrom('workspaces').select('id').where('id', '=', id).executeTakeFirst()
        return row !== undefined
      }
      const result = await db.updateTable('workspaces').set(values).where('id', '=', id).executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    async list() {
      const rows = await db.selectFrom('workspaces').selectAll().orderBy('created_at').orderBy('id').execute()
      return rows.map(toWorkspaceRecord)
    },
    async find(idOrName) {
      const row = await db
        .selectFrom('workspaces')
        .selectAll()
        .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
        .executeTakeFirst()
      return row && toWorkspaceRecord(row)
    },
  }
}

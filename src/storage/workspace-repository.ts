import type { Kysely, Selectable } from 'kysely'
import type { DatabaseSchema, WorkspacesTable } from './schema.ts'
import type { WorkspaceRecord, WorkspaceRepository } from './store.ts'

function toWorkspaceRecord(row: Selectable<WorkspacesTable>): WorkspaceRecord {
  return { id: row.id, name: row.name, createdAt: row.created_at }
}

/** Workspaces on either dialect. */
export function createWorkspaceRepository(db: Kysely<DatabaseSchema>): WorkspaceRepository {
  return {
    async create(record) {
      await db
        .insertInto('workspaces')
        .values({ id: record.id, name: record.name, created_at: record.createdAt })
        .execute()
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

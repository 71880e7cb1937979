import type { Kysely, Selectable } from 'kysely'
import type { ByokCredentialsTable, DatabaseSchema } from './schema.ts'
import type { ByokCredentialRecord, ByokCredentialRepository } from './store.ts'

function toRecord(row: Selectable<ByokCredentialsTable>): ByokCredentialRecord {
  return {
    workspaceId: row.workspace_id,
    provider: row.provider,
    ciphertext: row.ciphertext,
    keyId: row.key_id,
    hint: row.hint,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** Encrypted BYOK credentials on either dialect; this layer never sees a plaintext key. */
export function createByokCredentialRepository(db: Kysely<DatabaseSchema>): ByokCredentialRepository {
  return {
    async put(record) {
      await db
        .insertInto('byok_credentials')
        .values({
          workspace_id: record.workspaceId,
          provider: record.provider,
          ciphertext: record.ciphertext,
          key_id: record.keyId,
          hint: record.hint,
          created_at: record.createdAt,
          updated_at: record.updatedAt,
        })
        .onConflict((conflict) =>
          conflict.columns(['workspace_id', 'provider']).doUpdateSet({
            ciphertext: record.ciphertext,
            key_id: record.keyId,
            hint: record.hint,
            updated_at: record.updatedAt,
          }),
        )
        .execute()
    },
    async find(workspaceId, provider) {
      const row = await db
        .selectFrom('byok_credentials')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('provider', '=', provider)
        .executeTakeFirst()
      return row && toRecord(row)
    },
    async list(workspaceId) {
      const rows = await db
        .selectFrom('byok_credentials')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('provider')
        .execute()
      return rows.map(toRecord)
    },
    async delete(workspaceId, provider) {
      const result = await db
        .deleteFrom('byok_credentials')
        .where('workspace_id', '=', workspaceId)
        .where('provider', '=', provider)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
    async countByKeyId() {
      const rows = await db
        .selectFrom('byok_credentials')
        .select(['key_id', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy('key_id')
        .execute()
      return new Map(rows.map((row) => [row.key_id, Number(row.count)]))
    },
    async listNotEncryptedWith(keyId) {
      const rows = await db.selectFrom('byok_credentials').selectAll().where('key_id', '!=', keyId).execute()
      return rows.map(toRecord)
    },
    async replaceCiphertext(record, previousCiphertext) {
      const result = await db
        .updateTable('byok_credentials')
        .set({ ciphertext: record.ciphertext, key_id: record.keyId })
        .where('workspace_id', '=', record.workspaceId)
        .where('provider', '=', record.provider)
        .where('ciphertext', '=', previousCiphertext)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
  }
}

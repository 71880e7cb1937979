/**
 * The membership part of the account repository: who belongs to which workspace with which
 * role, invitations, and the audit log (see account-repository.ts for the interface).
 *
 * @module
 */
import type { Kysely } from 'kysely'
import type { AccountRepository, InviteRecord } from './account-records.ts'
import type { DatabaseSchema } from './schema.ts'

type MembershipQueries = Pick<
  AccountRepository,
  | 'membershipsOf'
  | 'roleOf'
  | 'addMember'
  | 'listMembers'
  | 'setRole'
  | 'removeMember'
  | 'transferOwnership'
  | 'createInvite'
  | 'listInvites'
  | 'findInviteByTokenHash'
  | 'acceptInvite'
  | 'revokeInvite'
  | 'appendAudit'
  | 'listAudit'
>

function toInvite(row: DatabaseSchema['invites']): InviteRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    role: row.role,
    tokenHash: row.token_hash,
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    revokedAt: row.revoked_at,
  }
}

/** Rows an update or delete touched. */
export function changed(result: { numUpdatedRows?: bigint; numDeletedRows?: bigint }): number {
  return Number(result.numUpdatedRows ?? result.numDeletedRows ?? 0n)
}

/** Memberships, invitations and the audit log on either dialect. */
export function createMembershipQueries(db: Kysely<DatabaseSchema>): MembershipQueries {
  return {
    async membershipsOf(userId) {
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
        .select(['memberships.workspace_id', 'workspaces.name', 'memberships.role'])
        .where('memberships.user_id', '=', userId)
        .orderBy('workspaces.name')
        .execute()
      return rows.map((row) => ({ workspaceId: row.workspace_id, workspaceName: row.name, role: row.role }))
    },
    async roleOf(workspaceId, userId) {
      const row = await db
        .selectFrom('memberships')
        .select('role')
        .where('workspace_id', '=', workspaceId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
      return row?.role
    },
    async addMember(workspaceId, userId, role, at) {
      await db
        .insertInto('memberships')
        .values({ workspace_id: workspaceId, user_id: userId, role, created_at: at })
        .execute()
    },
    async listMembers(workspaceId) {
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['memberships.user_id', 'users.email', 'memberships.role', 'memberships.created_at'])
        .where('memberships.workspace_id', '=', workspaceId)
        .orderBy('memberships.created_at')
        .execute()
      return rows.map((row) => ({
        userId: row.user_id,
        email: row.email,
        role: row.role,
        joinedAt: row.created_at,
      }))
    },
    async setRole(workspaceId, userId, role) {
      const result = await db
        .updateTable('memberships')
        .set({ role })
        .where('workspace_id', '=', workspaceId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
      return changed(result) === 1
    },
    async removeMember(workspaceId, userId) {
      const result = await db
        .deleteFrom('memberships')
        .where('workspace_id', '=', workspaceId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
      return changed(result) === 1
    },
    async transferOwnership(workspaceId, fromUserId, toUserId) {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('memberships')
          .set({ role: 'owner' })
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', toUserId)
          .execute()
        await trx
          .updateTable('memberships')
          .set({ role: 'admin' })
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', fromUserId)
          .execute()
      })
    },

    async createInvite(invite) {
      await db
        .insertInto('invites')
        .values({
          id: invite.id,
          workspace_id: invite.workspaceId,
          email: invite.email,
          role: invite.role,
          token_hash: invite.tokenHash,
          invited_by: invite.invitedBy,
          created_at: invite.createdAt,
          expires_at: invite.expiresAt,
          accepted_at: null,
          revoked_at: null,
        })
        .execute()
    },
    async listInvites(workspaceId, now) {
      const rows = await db
        .selectFrom('invites')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .limit(500)
        .execute()
      return rows.map(toInvite)
    },
    async findInviteByTokenHash(tokenHash) {
      const row = await db
        .selectFrom('invites')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return row === undefined ? undefined : toInvite(row)
    },
    async acceptInvite(tokenHash, userId, now) {
      return db.transaction().execute(async (trx) => {
        const used = await trx
          .updateTable('invites')
          .set({ accepted_at: now })
          .where('token_hash', '=', tokenHash)
          .where('accepted_at', 'is', null)
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst()
        if (changed(used) !== 1) return undefined
        const invite = toInvite(
          await trx
            .selectFrom('invites')
            .selectAll()
            .where('token_hash', '=', tokenHash)
            .executeTakeFirstOrThrow(),
        )
        const existing = await trx
          .selectFrom('memberships')
          .select('role')
          .where('workspace_id', '=', invite.workspaceId)
          .where('user_id', '=', userId)
          .executeTakeFirst()
        // Already a member: the invitation is used up and the current role kept (never a downgrade
        // of an owner by an old link).
        if (existing === undefined) {
          await trx
            .insertInto('memberships')
            .values({ workspace_id: invite.workspaceId, user_id: userId, role: invite.role, created_at: now })
            .execute()
        }
        return invite
      })
    },
    async revokeInvite(workspaceId, id, at) {
      const result = await db
        .updateTable('invites')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('workspace_id', '=', workspaceId)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return changed(result) === 1
    },

    async appendAudit(entry) {
      await db
        .insertInto('audit_log')
        .values({
          id: entry.id,
          workspace_id: entry.workspaceId,
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          ip: entry.ip,
          created_at: entry.createdAt,
        })
        .execute()
    },
    async listAudit(workspaceId, { limit, before }) {
      let query = db
        .selectFrom('audit_log')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('id', 'desc')
        .limit(limit)
      if (before !== undefined) query = query.where('id', '<', before)
      const rows = await query.execute()
      return rows.map((row) => ({
        id: row.id,
        workspaceId: row.workspace_id,
        actor: row.actor,
        action: row.action,
        target: row.target,
        ip: row.ip,
        createdAt: row.created_at,
      }))
    },
  }
}

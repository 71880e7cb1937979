/**
 * Console accounts on either dialect: users, sessions, memberships, invitations, single-use email
 * links and the audit log. Secrets never reach this layer in the clear: passwords arrive hashed
 * (argon2id), tokens arrive as SHA-256 hashes. Every "use once" operation is one conditional
 * update, so two concurrent uses of the same link cannot both succeed.
 *
 * @module
 */
import type { Kysely } from 'kysely'
import type { AccountRepository, SessionRecord, UserRecord } from './account-records.ts'
import { changed, createMembershipQueries } from './membership-repository.ts'
import type { DatabaseSchema } from './schema.ts'

export type {
  AccountRepository,
  AuditRecord,
  EmailTokenPurpose,
  InviteRecord,
  MemberRecord,
  MembershipRecord,
  SessionRecord,
  UserRecord,
} from './account-records.ts'

type Row<T extends keyof DatabaseSchema> = DatabaseSchema[T]

function toUser(row: Row<'users'>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    emailVerifiedAt: row.email_verified_at,
    operator: Number(row.operator) === 1,
    createdAt: row.created_at,
    passwordChangedAt: row.password_changed_at,
    totpSecret: row.totp_secret ?? null,
    totpEnabledAt: row.totp_enabled_at ?? null,
    totpLastStep:
      row.totp_last_step === null || row.totp_last_step === undefined ? null : Number(row.totp_last_step),
  }
}

function toSession(row: Row<'sessions'>): SessionRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    userId: row.user_id,
    workspaceId: row.workspace_id,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    ip: row.ip,
    userAgent: row.user_agent,
  }
}

/** Accounts on either dialect. */
export function createAccountRepository(db: Kysely<DatabaseSchema>): AccountRepository {
  return {
    async createUser(user) {
      const inserted = await db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          password_hash: user.passwordHash,
          email_verified_at: user.emailVerifiedAt,
          operator: user.operator ? 1 : 0,
          created_at: user.createdAt,
          password_changed_at: user.passwordChangedAt,
          totp_secret: user.totpSecret,
          totp_enabled_at: user.totpEnabledAt,
          totp_last_step: user.totpLastStep,
        })
        .onConflict((conflict) => conflict.column('email').doNothing())
        .executeTakeFirst()
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1
    },
    async findUser(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toUser(row)
    },
    async findUserByEmail(email) {
      const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
      return row === undefined ? undefined : toUser(row)
    },
    async setEmailVerified(userId, at) {
      await db
        .updateTable('users')
        .set({ email_verified_at: at })
        .where('id', '=', userId)
        .where('email_verified_at', 'is', null)
        .execute()
    },
    async setPassword(userId, passwordHash, at) {
      await db
        .updateTable('users')
        .set({ password_hash: passwordHash, password_changed_at: at })
        .where('id', '=', userId)
        .execute()
    },
    async setOperator(email, operator) {
      const result = await db
        .updateTable('users')
        .set({ operator: operator ? 1 : 0 })
        .where('email', '=', email)
        .executeTakeFirst()
      return changed(result) === 1
    },
    async setTotp(userId, secret, enabledAt) {
      await db
        .updateTable('users')
        .set({ totp_secret: secret, totp_enabled_at: enabledAt, totp_last_step: null })
        .where('id', '=', userId)
        .execute()
    },
    async recordTotpStep(userId, step) {
      const result = await db
        .updateTable('users')
        .set({ totp_last_step: step })
        .where('id', '=', userId)
        .where((where) => where.or([where('totp_last_step', 'is', null), where('totp_last_step', '<', step)]))
        .executeTakeFirst()
      return changed(result) === 1
    },

    async createSession(session) {
      await db
        .insertInto('sessions')
        .values({
          id: session.id,
          token_hash: session.tokenHash,
          user_id: session.userId,
          workspace_id: session.workspaceId,
          csrf_token: session.csrfToken,
          created_at: session.createdAt,
          last_seen_at: session.lastSeenAt,
          expires_at: session.expiresAt,
          ip: session.ip,
          user_agent: session.userAgent,
        })
        .execute()
    },
    async findSessionByTokenHash(tokenHash) {
      const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return row === undefined ? undefined : toSession(row)
    },
    async touchSession(id, lastSeenAt) {
      await db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id', '=', id).execute()
    },
    async setSessionWorkspace(id, workspaceId) {
      await db.updateTable('sessions').set({ workspace_id: workspaceId }).where('id', '=', id).execute()
    },
    async listSessions(userId) {
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('last_seen_at', 'desc')
        .limit(200)
        .execute()
      return rows.map(toSession)
    },
    async deleteSession(userId, id) {
      const result = await db
        .deleteFrom('sessions')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst()
      return changed(result) === 1
    },
    async deleteUserSessions(userId, exceptId) {
      let query = db.deleteFrom('sessions').where('user_id', '=', userId)
      if (exceptId !== undefined) query = query.where('id', '!=', exceptId)
      return changed(await query.executeTakeFirst())
    },

    async createEmailToken(token) {
      await db
        .insertInto('email_tokens')
        .values({
          token_hash: token.tokenHash,
          user_id: token.userId,
          purpose: token.purpose,
          created_at: token.createdAt,
          expires_at: token.expiresAt,
          used_at: null,
        })
        .execute()
    },
    async consumeEmailToken(tokenHash, purpose, now) {
      return db.transaction().execute(async (trx) => {
        const used = await trx
          .updateTable('email_tokens')
          .set({ used_at: now })
          .where('token_hash', '=', tokenHash)
          .where('purpose', '=', purpose)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst()
        if (changed(used) !== 1) return undefined
        const row = await trx
          .selectFrom('email_tokens')
          .select('user_id')
          .where('token_hash', '=', tokenHash)
          .executeTakeFirstOrThrow()
        return row.user_id
      })
    },

    ...createMembershipQueries(db),
  }
}

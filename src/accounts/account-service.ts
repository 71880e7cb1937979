/**
 * Console accounts: sign-up (with the user's first workspace), sign-in, server-side sessions
 * with idle and absolute expiry, email verification and password reset by single-use links,
 * and the session's current workspace. Messages never reveal whether an email is registered.
 *
 * @module
 */
import type { ConsoleConfig } from '../config/config-types.ts'
import type { SignInBody, SignUpBody } from '../contracts/console-api.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { ServiceError, type WorkspaceService } from '../services/workspace-service.ts'
import type { SessionRecord, UserRecord } from '../storage/account-repository.ts'
import type { Store } from '../storage/store.ts'
import { accountEmails } from './account-emails.ts'
import type { Mailer } from './mailer.ts'
import { hashPassword, verifyPassword } from './password-hashing.ts'
import { hashSecretToken, newId, newSecretToken } from './secret-tokens.ts'
import type { SignInThrottle } from './sign-in-throttle.ts'

/** Where a request came from, for sessions, throttling and the audit log. */
export interface ClientMeta {
  ip: string | null
  userAgent: string | null
}

/** A signed-in request's session and user. */
export interface SignedIn {
  session: SessionRecord
  user: UserRecord
}

/** A new session: the cookie's token (shown to the browser only) and its row. */
export interface IssuedSession extends SignedIn {
  token: string
}

export interface AccountServiceOptions {
  store: Pick<Store, 'accounts' | 'workspaces'>
  workspaceService: Pick<WorkspaceService, 'createWorkspace'>
  mailer: Mailer
  throttle: SignInThrottle
  console: ConsoleConfig
  siteName: string
  /** Asks a user with two-factor on for a valid code after the password (two-factor.ts). */
  twoFactor: { check(user: UserRecord, code: string | undefined): Promise<void> }
  now?: () => Date
}

const VERIFY_TTL_MS = 48 * 3_600_000
const RESET_TTL_MS = 3_600_000
/** last_seen_at is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000

/** Lowercased and trimmed: one account per mailbox however it is typed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

export type AccountService = ReturnType<typeof createAccountService>

export function createAccountService(options: AccountServiceOptions) {
  const { store, mailer, throttle } = options
  const accounts = store.accounts
  const now = options.now ?? (() => new Date())
  const emails = accountEmails(options.siteName, () => options.console.publicUrl)

  async function issueSession(user: UserRecord, workspaceId: string | null, meta: ClientMeta) {
    const token = newSecretToken()
    const at = now()
    const session: SessionRecord = {
      id: newId('ses'),
      tokenHash: hashSecretToken(token),
      userId: user.id,
      workspaceId,
      csrfToken: newSecretToken(),
      createdAt: at.toISOString(),
      lastSeenAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + options.console.sessionMaxMs).toISOString(),
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
    }
    await accounts.createSession(session)
    return { token, session, user }
  }

  async function sendVerification(user: UserRecord): Promise<void> {
    const token = newSecretToken()
    const at = now()
    await accounts.createEmailToken({
      tokenHash: hashSecretToken(token),
      userId: user.id,
      purpose: 'verify',
      createdAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + VERIFY_TTL_MS).toISOString(),
    })
    await mailer.send(emails.verification(user.email, token))
  }

  /** A workspace name nobody has yet, from the email's local part. */
  async function createFirstWorkspace(email: string, wanted: string | undefined) {
    const base =
      wanted ??
      `${
        email
          .split('@')[0]!
          .replace(/[^A-Za-z0-9._@ -]/g, '-')
          .slice(0, 40) || 'workspace'
      }`
    for (let attempt = 0; attempt < 5; attempt++) {
      const name = attempt === 0 && wanted !== undefined ? base : `${base}-${newSecretToken().slice(0, 6)}`
      try {
        return await options.workspaceService.createWorkspace(name)
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error
        if (wanted !== undefined) {
          const taken = /already exists/.test(error.message)
          throw new GatewayError(
            taken ? 'conflict' : 'invalid_parameter',
            taken
              ? `A workspace named \`${name}\` already exists.`
              : `Invalid 'workspace_name': ${error.message}.`,
            { param: 'workspace_name' },
          )
        }
      }
    }
    throw new GatewayError('conflict', 'Could not find a free workspace name; choose one.', {
      param: 'workspace_name',
    })
  }

  return {
    async signUp(body: SignUpBody, meta: ClientMeta): Promise<IssuedSession> {
      const email = normalizeEmail(body.email)
      await throttle.attempt('sign-up', email, meta.ip)
      const inviteHash = body.invite_token === undefined ? undefined : hashSecretToken(body.invite_token)
      const invite = inviteHash === undefined ? undefined : await accounts.findInviteByTokenHash(inviteHash)
      const at = now().toISOString()
      const inviteOpen =
        invite !== undefined &&
        invite.acceptedAt === null &&
        invite.revokedAt === null &&
        invite.expiresAt > at
      if (body.invite_token !== undefined && !inviteOpen) {
        throw new GatewayError('invalid_parameter', 'This invitation link is not valid any more.', {
          param: 'invite_token',
        })
      }
      if (options.console.signup === 'closed' && !inviteOpen)
        throw new GatewayError('permission_denied', 'Sign-up is closed on this deployment.')
      if (options.console.signup === 'invite_only' && !inviteOpen)
        throw new GatewayError('permission_denied', 'Sign-up needs an invitation on this deployment.')
      const user: UserRecord = {
        id: newId('usr'),
        email,
        passwordHash: await hashPassword(body.password),
        // Following an invitation sent to this address proves the mailbox.
        emailVerifiedAt: inviteOpen && invite.email === email ? at : null,
        operator: false,
        createdAt: at,
        passwordChangedAt: at,
        totpSecret: null,
        totpEnabledAt: null,
        totpLastStep: null,
      }
      if (!(await accounts.createUser(user))) {
        // Same words for every refusal: an attacker learns nothing from the status alone, but
        // the owner of the address is told by email instead of on the page.
        await mailer.send(emails.alreadyRegistered(email))
        throw new GatewayError(
          'conflict',
          'This email cannot be used to sign up. If it is yours, sign in or reset your password.',
          { param: 'email' },
        )
      }
      let workspaceId: string
      if (inviteOpen) {
        const accepted = await accounts.acceptInvite(inviteHash!, user.id, at)
        if (accepted === undefined)
          throw new GatewayError('invalid_parameter', 'This invitation link is not valid any more.', {
            param: 'invite_token',
          })
        workspaceId = accepted.workspaceId
      } else {
        const workspace = await createFirstWorkspace(email, body.workspace_name)
        await accounts.addMember(workspace.id, user.id, 'owner', at)
        workspaceId = workspace.id
      }
      if (user.emailVerifiedAt === null) await sendVerification(user)
      return issueSession(user, workspaceId, meta)
    },

    async signIn(body: SignInBody, meta: ClientMeta): Promise<IssuedSession> {
      const email = normalizeEmail(body.email)
      await throttle.attempt('sign-in', email, meta.ip)
      const user = await accounts.findUserByEmail(email)
      if (!(await verifyPassword(user?.passwordHash, body.password)) || user === undefined)
        throw new GatewayError('invalid_credentials', 'The email or password is not right.')
      await options.twoFactor.check(user, body.totp_code)
      const memberships = await accounts.membershipsOf(user.id)
      return issueSession(user, memberships[0]?.workspaceId ?? null, meta)
    },

    /** The session for a cookie's token, or undefined when unknown, idle too long or expired. */
    async resolve(token: string): Promise<SignedIn | undefined> {
      const session = await accounts.findSessionByTokenHash(hashSecretToken(token))
      if (session === undefined) return undefined
      const at = now()
      const idleSince = Date.parse(session.lastSeenAt)
      if (session.expiresAt <= at.toISOString() || at.getTime() - idleSince > options.console.sessionIdleMs) {
        await accounts.deleteSession(session.userId, session.id)
        return undefined
      }
      const user = await accounts.findUser(session.userId)
      if (user === undefined) return undefined
      if (at.getTime() - idleSince > TOUCH_EVERY_MS) await accounts.touchSession(session.id, at.toISOString())
      return { session, user }
    },

    async signOut(signedIn: SignedIn): Promise<void> {
      await accounts.deleteSession(signedIn.user.id, signedIn.session.id)
    },
    /** Ends every session of the user, this one included; returns how many. */
    signOutEverywhere(signedIn: SignedIn): Promise<number> {
      return accounts.deleteUserSessions(signedIn.user.id)
    },
    listSessions(signedIn: SignedIn) {
      return accounts.listSessions(signedIn.user.id)
    },
    async revokeSession(signedIn: SignedIn, id: string): Promise<void> {
      if (!(await accounts.deleteSession(signedIn.user.id, id)))
        throw new GatewayError('not_found', `No session \`${id}\`.`)
    },

    async verifyEmail(token: string): Promise<void> {
      const userId = await accounts.consumeEmailToken(hashSecretToken(token), 'verify', now().toISOString())
      if (userId === undefined)
        throw new GatewayError(
          'invalid_parameter',
          'This link is not valid: it expired or was already used.',
          {
            param: 'token',
          },
        )
      await accounts.setEmailVerified(userId, now().toISOString())
    },
    async resendVerification(signedIn: SignedIn, meta: ClientMeta): Promise<void> {
      if (signedIn.user.emailVerifiedAt !== null) return
      await throttle.attempt('reset', signedIn.user.email, meta.ip)
      await sendVerification(signedIn.user)
    },

    /** Always resolves the same way; the link goes only to a registered address. */
    async requestPasswordReset(rawEmail: string, meta: ClientMeta): Promise<void> {
      const email = normalizeEmail(rawEmail)
      await throttle.attempt('reset', email, meta.ip)
      const user = await accounts.findUserByEmail(email)
      if (user === undefined) return
      const token = newSecretToken()
      const at = now()
      await accounts.createEmailToken({
        tokenHash: hashSecretToken(token),
        userId: user.id,
        purpose: 'reset',
        createdAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + RESET_TTL_MS).toISOString(),
      })
      await mailer.send(emails.passwordReset(email, token))
    },
    /** Sets the new password and ends every session (whoever knew the old one is signed out). */
    async confirmPasswordReset(token: string, password: string): Promise<void> {
      const at = now().toISOString()
      const userId = await accounts.consumeEmailToken(hashSecretToken(token), 'reset', at)
      if (userId === undefined)
        throw new GatewayError(
          'invalid_parameter',
          'This link is not valid: it expired or was already used.',
          {
            param: 'token',
          },
        )
      await accounts.setPassword(userId, await hashPassword(password), at)
      // The link reached the mailbox: that proves it too.
      await accounts.setEmailVerified(userId, at)
      await accounts.deleteUserSessions(userId)
    },
    /** Changes the password and ends the user's other sessions. */
    async changePassword(signedIn: SignedIn, current: string, next: string, meta: ClientMeta): Promise<void> {
      await throttle.attempt('sign-in', signedIn.user.email, meta.ip)
      if (!(await verifyPassword(signedIn.user.passwordHash, current)))
        throw new GatewayError('invalid_parameter', 'The current password is not right.', {
          param: 'current_password',
        })
      await accounts.setPassword(signedIn.user.id, await hashPassword(next), now().toISOString())
      await accounts.deleteUserSessions(signedIn.user.id, signedIn.session.id)
    },

    /** Makes `workspaceId` the session's workspace (the user must be a member). */
    async switchWorkspace(signedIn: SignedIn, workspaceId: string): Promise<void> {
      if ((await accounts.roleOf(workspaceId, signedIn.user.id)) === undefined)
        throw new GatewayError('not_found', `No workspace \`${workspaceId}\` among yours.`, {
          param: 'workspace_id',
        })
      await accounts.setSessionWorkspace(signedIn.session.id, workspaceId)
      signedIn.session.workspaceId = workspaceId
    },
    /** A new workspace owned by the user, made the session's workspace. */
    async createWorkspace(signedIn: SignedIn, name: string) {
      const workspace = await createFirstWorkspace(signedIn.user.email, name).catch((error: unknown) => {
        if (error instanceof GatewayError && error.param === 'workspace_name')
          throw new GatewayError(error.code, error.message.replace("'workspace_name'", "'name'"), {
            param: 'name',
          })
        throw error
      })
      await accounts.addMember(workspace.id, signedIn.user.id, 'owner', now().toISOString())
      await accounts.setSessionWorkspace(signedIn.session.id, workspace.id)
      signedIn.session.workspaceId = workspace.id
      return workspace
    },
    /** Joins the invitation's workspace and switches the session to it. */
    async acceptInvite(signedIn: SignedIn, token: string) {
      const invite = await accounts.acceptInvite(
        hashSecretToken(token),
        signedIn.user.id,
        now().toISOString(),
      )
      if (invite === undefined)
        throw new GatewayError('invalid_parameter', 'This invitation link is not valid any more.', {
          param: 'token',
        })
      await accounts.setSessionWorkspace(signedIn.session.id, invite.workspaceId)
      signedIn.session.workspaceId = invite.workspaceId
      return invite
    },

    /** `onekey user promote|demote EMAIL`. */
    async setOperator(email: string, operator: boolean): Promise<boolean> {
      return accounts.setOperator(normalizeEmail(email), operator)
    },
  }
}

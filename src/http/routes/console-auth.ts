/**
 * The account routes of the console (`/api/v1/auth/*`, `POST /api/v1/workspaces`): sign-up,
 * sign-in and out, sessions, email links, password, workspace switch and invitations; the
 * contract is in contracts/console-api.ts. Answers are never cached; the session cookie is
 * `HttpOnly`, `SameSite=Lax`, `Secure` on https.
 *
 * @module
 */
import type { AccountService, IssuedSession, SignedIn } from '../../accounts/account-service.ts'
import type { MembershipService } from '../../accounts/membership-service.ts'
import type { TwoFactor } from '../../accounts/two-factor.ts'
import type { ConsoleConfig } from '../../config/config-types.ts'
import {
  createWorkspaceBody,
  emailBody,
  passwordChangeBody,
  passwordResetBody,
  type SessionAnswer,
  signInBody,
  signUpBody,
  switchWorkspaceBody,
  tokenBody,
  twoFactorDisableBody,
  twoFactorEnableBody,
} from '../../contracts/console-api.ts'
import { asRole } from '../../contracts/permissions.ts'
import type { RequestContext } from '../../gateway/request-context.ts'
import type { Handler } from '../app-dependencies.ts'
import { parseBody } from '../parse-body.ts'
import { sendJson } from '../send-response.ts'
import { type CallerResolver, clientIp } from '../workspace-caller.ts'

export interface ConsoleAuthDependencies {
  accounts: AccountService
  twoFactor: TwoFactor
  memberships: MembershipService
  callers: CallerResolver
  console: ConsoleConfig
  readBody(context: RequestContext): Promise<Record<string, unknown>>
}

export function createConsoleAuthRoutes(dependencies: ConsoleAuthDependencies) {
  const { accounts, callers } = dependencies
  const secure = dependencies.console.publicUrl.startsWith('https:')
  const maxAgeSeconds = Math.floor(dependencies.console.sessionMaxMs / 1000)

  function cookie(value: string, maxAge: number): string {
    return `${callers.cookieName}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`
  }
  const meta = (context: RequestContext) => ({
    ip: clientIp(context),
    userAgent: context.request.headers['user-agent'] ?? null,
  })

  async function sessionAnswer(signedIn: SignedIn): Promise<SessionAnswer> {
    const memberships = await dependencies.memberships.listOf(signedIn.user.id)
    const workspaces = memberships.map((each) => ({
      id: each.workspaceId,
      name: each.workspaceName,
      role: asRole(each.role) ?? 'viewer',
    }))
    const current = workspaces.find((each) => each.id === signedIn.session.workspaceId) ?? null
    return {
      object: 'session',
      user: {
        id: signedIn.user.id,
        email: signedIn.user.email,
        email_verified: signedIn.user.emailVerifiedAt !== null,
        operator: signedIn.user.operator,
        totp_enabled: signedIn.user.totpEnabledAt !== null,
        created_at: signedIn.user.createdAt,
      },
      csrf_token: signedIn.session.csrfToken,
      workspace: current,
      workspaces,
      expires_at: signedIn.session.expiresAt,
    }
  }

  const noStore = (context: RequestContext) => {
    context.headers = { ...context.headers, 'cache-control': 'no-store' }
  }
  async function answerSession(context: RequestContext, status: number, signedIn: SignedIn): Promise<void> {
    sendJson(context, status, JSON.stringify(await sessionAnswer(signedIn)))
  }
  async function startSession(context: RequestContext, status: number, issued: IssuedSession): Promise<void> {
    context.headers = { ...context.headers, 'set-cookie': cookie(issued.token, maxAgeSeconds) }
    await answerSession(context, status, issued)
  }
  const endCookie = (context: RequestContext) => {
    context.headers = { ...context.headers, 'set-cookie': cookie('', 0) }
  }

  /** POST handlers that work without a session (origin still checked). */
  const open =
    (run: (context: RequestContext, body: Record<string, unknown>) => Promise<void>): Handler =>
    async (context) => {
      noStore(context)
      callers.checkOrigin(context)
      await run(context, await dependencies.readBody(context))
    }
  /** Handlers for a signed-in session (CSRF checked on anything but GET). */
  const signed =
    (run: (context: RequestContext, signedIn: SignedIn) => Promise<void>): Handler =>
    async (context) => {
      noStore(context)
      await run(context, await callers.requireSession(context))
    }

  /** Path, method, handler: each account route takes one method. */
  const entries: [string, string, Handler][] = [
    ['/api/v1/auth/session', 'GET', signed((context, signedIn) => answerSession(context, 200, signedIn))],
    [
      '/api/v1/auth/sign-up',
      'POST',
      open(async (context, body) =>
        startSession(context, 201, await accounts.signUp(parseBody(signUpBody, body), meta(context))),
      ),
    ],
    [
      '/api/v1/auth/sign-in',
      'POST',
      open(async (context, body) =>
        startSession(context, 200, await accounts.signIn(parseBody(signInBody, body), meta(context))),
      ),
    ],
    [
      '/api/v1/auth/sign-out',
      'POST',
      signed(async (context, signedIn) => {
        await accounts.signOut(signedIn)
        endCookie(context)
        sendJson(context, 200, '{"signed_out":true}')
      }),
    ],
    [
      '/api/v1/auth/sign-out-everywhere',
      'POST',
      signed(async (context, signedIn) => {
        const sessions = await accounts.signOutEverywhere(signedIn)
        endCookie(context)
        sendJson(context, 200, JSON.stringify({ signed_out: true, sessions }))
      }),
    ],
    [
      '/api/v1/auth/sessions',
      'GET',
      signed(async (context, signedIn) => {
        const sessions = await accounts.listSessions(signedIn)
        const data = sessions.map((session) => ({
          id: session.id,
          current: session.id === signedIn.session.id,
          created_at: session.createdAt,
          last_seen_at: session.lastSeenAt,
          ip: session.ip,
          user_agent: session.userAgent,
        }))
        sendJson(context, 200, JSON.stringify({ object: 'list', data }))
      }),
    ],
    [
      '/api/v1/auth/verify-email',
      'POST',
      open(async (context, body) => {
        await accounts.verifyEmail(parseBody(tokenBody, body).token)
        sendJson(context, 200, '{"verified":true}')
      }),
    ],
    [
      '/api/v1/auth/resend-verification',
      'POST',
      signed(async (context, signedIn) => {
        await accounts.resendVerification(signedIn, meta(context))
        sendJson(context, 200, '{"sent":true}')
      }),
    ],
    [
      '/api/v1/auth/password-reset',
      'POST',
      open(async (context, body) => {
        await accounts.requestPasswordReset(parseBody(emailBody, body).email, meta(context))
        sendJson(context, 200, '{"sent":true}')
      }),
    ],
    [
      '/api/v1/auth/password-reset/confirm',
      'POST',
      open(async (context, body) => {
        const { token, password } = parseBody(passwordResetBody, body)
        await accounts.confirmPasswordReset(token, password)
        sendJson(context, 200, '{"reset":true}')
      }),
    ],
    [
      '/api/v1/auth/password',
      'POST',
      signed(async (context, signedIn) => {
        const body = parseBody(passwordChangeBody, await dependencies.readBody(context))
        await accounts.changePassword(signedIn, body.current_password, body.new_password, meta(context))
        sendJson(context, 200, '{"changed":true}')
      }),
    ],
    [
      '/api/v1/auth/two-factor/setup',
      'POST',
      signed(async (context, signedIn) => {
        sendJson(context, 200, JSON.stringify(await dependencies.twoFactor.setup(signedIn)))
      }),
    ],
    [
      '/api/v1/auth/two-factor/enable',
      'POST',
      signed(async (context, signedIn) => {
        const { code } = parseBody(twoFactorEnableBody, await dependencies.readBody(context))
        await dependencies.twoFactor.enable(signedIn, code)
        sendJson(context, 200, '{"enabled":true}')
      }),
    ],
    [
      '/api/v1/auth/two-factor/disable',
      'POST',
      signed(async (context, signedIn) => {
        const { password } = parseBody(twoFactorDisableBody, await dependencies.readBody(context))
        await dependencies.twoFactor.disable(signedIn, password)
        sendJson(context, 200, '{"enabled":false}')
      }),
    ],
    [
      '/api/v1/auth/switch-workspace',
      'POST',
      signed(async (context, signedIn) => {
        const body = parseBody(switchWorkspaceBody, await dependencies.readBody(context))
        await accounts.switchWorkspace(signedIn, body.workspace_id)
        await answerSession(context, 200, signedIn)
      }),
    ],
    [
      '/api/v1/auth/accept-invite',
      'POST',
      signed(async (context, signedIn) => {
        const body = parseBody(tokenBody, await dependencies.readBody(context))
        const invite = await accounts.acceptInvite(signedIn, body.token)
        await dependencies.memberships.audit(
          invite.workspaceId,
          {
            name: `user:${signedIn.user.email}`,
            userId: signedIn.user.id,
            role: 'viewer',
            ip: clientIp(context),
          },
          'member.joined',
          `${signedIn.user.email} as ${invite.role}`,
        )
        await answerSession(context, 200, signedIn)
      }),
    ],
    [
      '/api/v1/workspaces',
      'POST',
      signed(async (context, signedIn) => {
        const body = parseBody(createWorkspaceBody, await dependencies.readBody(context))
        await accounts.createWorkspace(signedIn, body.name)
        await answerSession(context, 201, signedIn)
      }),
    ],
  ]
  const routes = new Map(entries.map(([path, method, handler]) => [path, new Map([[method, handler]])]))

  const sessionRoutes = new Map<string, Handler>([
    [
      'DELETE',
      signed(async (context, signedIn) => {
        const id = context.path.slice('/api/v1/auth/sessions/'.length)
        await accounts.revokeSession(signedIn, id)
        sendJson(context, 200, JSON.stringify({ id, revoked: true }))
      }),
    ],
  ])

  return { routes, sessionRoutes }
}

/**
 * Who calls a workspace route of the management API, and whether they may: a management API key
 * (acts as the workspace's admin), or a console session (acts with the user's role in the
 * session's workspace). Every route names one action of the permission table
 * (contracts/permissions.ts) and the check happens here, on the server, for both ways in.
 * Session requests that change something must carry the session's CSRF token and come from the
 * deployment's own origin.
 *
 * @module
 */
import { timingSafeEqual } from 'node:crypto'
import type { AccountService, SignedIn } from '../accounts/account-service.ts'
import type { Actor, MembershipService } from '../accounts/membership-service.ts'
import type { AuthenticatedKey, Authenticator } from '../auth/authenticator.ts'
import type { ConsoleConfig } from '../config/config-types.ts'
import { type Action, can } from '../contracts/permissions.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import { checkAdminToken } from './admin-token.ts'

/** A caller allowed to act on one workspace. */
export interface WorkspaceCaller {
  workspaceId: string
  actor: Actor
  /** The API key used, when a key (not a session) calls. */
  key: AuthenticatedKey | null
}

export interface CallerDependencies {
  authenticator: Authenticator
  accounts: AccountService
  memberships: MembershipService
  console: ConsoleConfig
  adminToken(): string | null
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The session cookie's name: `__Host-` prefixed (Secure, host-only, path /) on https. */
export function sessionCookieName(publicUrl: string): string {
  return publicUrl.startsWith('https:') ? '__Host-onekey_session' : 'onekey_session'
}

/** One cookie's value from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const index = part.indexOf('=')
    if (index !== -1 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim()
  }
  return undefined
}

/** The client's address (the socket's; a proxy in front should be trusted explicitly, later). */
export function clientIp(context: RequestContext): string | null {
  return context.request.socket.remoteAddress ?? null
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.byteLength === b.byteLength && timingSafeEqual(a, b)
}

export function createCallerResolver(dependencies: CallerDependencies) {
  const cookieName = sessionCookieName(dependencies.console.publicUrl)

  /**
   * Refuses a cross-site request: when the browser names an origin, it must be this
   * deployment's public one or the host the request was sent to.
   */
  function checkOrigin(context: RequestContext, required: boolean): void {
    const origin = context.request.headers.origin
    if (origin === undefined) {
      if (required)
        throw new GatewayError('csrf_failed', 'Missing Origin header on a request that changes something.')
      return
    }
    const host = context.request.headers.host
    if (
      origin === new URL(dependencies.console.publicUrl).origin ||
      (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`))
    )
      return
    throw new GatewayError('csrf_failed', 'This request comes from another site and was refused.')
  }

  async function session(context: RequestContext): Promise<SignedIn | undefined> {
    const token = readCookie(context.request.headers.cookie, cookieName)
    if (token === undefined || token === '' || token.length > 100) return undefined
    return dependencies.accounts.resolve(token)
  }

  /** The signed-in session; for a method that changes something, its CSRF token and origin checked. */
  async function requireSession(context: RequestContext): Promise<SignedIn> {
    const signedIn = await session(context)
    if (signedIn === undefined) throw new GatewayError('not_signed_in', 'Sign in to continue.')
    if (!SAFE_METHODS.has(context.request.method ?? 'GET')) {
      checkOrigin(context, true)
      const header = context.request.headers['x-csrf-token']
      if (typeof header !== 'string' || !sameSecret(header, signedIn.session.csrfToken))
        throw new GatewayError('csrf_failed', 'Missing or wrong CSRF token: reload the page and try again.')
    }
    return signedIn
  }

  return {
    cookieName,
    session,
    /** Any API key of a workspace (e.g. for its own generations). */
    async anyKey(context: RequestContext): Promise<AuthenticatedKey> {
      const key = await dependencies.authenticator.authenticate(context.request.headers.authorization)
      context.key = key
      return key
    },
    /**
     * The operator: the admin token as a bearer, or a signed-in user with the operator flag.
     * @throws GatewayError 401/403, or 404 when neither way is available
     */
    async operator(context: RequestContext): Promise<Actor> {
      const authorization = context.request.headers.authorization
      const adminToken = dependencies.adminToken()
      if (
        authorization !== undefined ||
        readCookie(context.request.headers.cookie, cookieName) === undefined
      ) {
        checkAdminToken(authorization, adminToken)
        return { name: 'operator:admin-token', userId: null, role: 'owner', ip: clientIp(context) }
      }
      const signedIn = await requireSession(context)
      if (!signedIn.user.operator) throw new GatewayError('permission_denied', 'Only operators may do this.')
      context.headers = { ...context.headers, 'cache-control': 'no-store' }
      return {
        name: `operator:${signedIn.user.email}`,
        userId: signedIn.user.id,
        role: 'owner',
        ip: clientIp(context),
      }
    },
    requireSession,
    /** For sign-in, sign-up and reset: no session yet, but still only from our own pages. */
    checkOrigin: (context: RequestContext) => checkOrigin(context, false),

    /**
     * The caller of a workspace route allowed to take `action`: a bearer API key (management
     * keys only, acting as admin) or a session (the user's role in its workspace).
     * @throws GatewayError 401 (no credentials), 403 (`management_not_allowed`, `permission_denied`, `csrf_failed`)
     */
    async workspaceCaller(context: RequestContext, action: Action): Promise<WorkspaceCaller> {
      const authorization = context.request.headers.authorization
      const hasCookie = readCookie(context.request.headers.cookie, cookieName) !== undefined
      if (authorization !== undefined || !hasCookie) {
        const key = await dependencies.authenticator.authenticate(authorization)
        context.key = key
        if (!key.management)
          throw new GatewayError(
            'management_not_allowed',
            'This API key cannot manage the workspace: create a management key (onekey key create --management).',
          )
        return {
          workspaceId: key.workspaceId,
          actor: { name: `key:${key.keyId}`, userId: null, role: 'admin', ip: clientIp(context) },
          key,
        }
      }
      const signedIn = await requireSession(context)
      const workspaceId = signedIn.session.workspaceId
      const role =
        workspaceId === null
          ? undefined
          : await dependencies.memberships.roleOf(workspaceId, signedIn.user.id)
      if (workspaceId === null || role === undefined)
        throw new GatewayError('permission_denied', 'You are not a member of this workspace any more.')
      if (!can(role, action))
        throw new GatewayError('permission_denied', `Your role (${role}) does not allow this (${action}).`)
      return {
        workspaceId,
        actor: { name: `user:${signedIn.user.email}`, userId: signedIn.user.id, role, ip: clientIp(context) },
        key: null,
      }
    },
  }
}

export type CallerResolver = ReturnType<typeof createCallerResolver>

/**
 * Who may call what, as OpenAPI security schemes and requirements, stated from what the server
 * checks (auth/authenticator.ts, http/workspace-caller.ts, http/admin-token.ts,
 * http/route-permissions.ts with contracts/permissions.ts).
 *
 * @module
 */
import { API_KEY_PREFIX } from '../../auth/api-key-format.ts'
import { type Action, PERMISSIONS, ROLES } from '../../contracts/permissions.ts'
import { sessionCookieName } from '../workspace-caller.ts'
import type { AuthKind, HttpMethod } from './operation-spec.ts'

/** The `components.securitySchemes` of the document. */
export function securitySchemes(publicUrl: string): Record<string, Record<string, unknown>> {
  return {
    apiKey: {
      type: 'http',
      scheme: 'bearer',
      description: `An API key of the workspace (\`${API_KEY_PREFIX}…\`) as \`Authorization: Bearer\`.`,
    },
    managementKey: {
      type: 'http',
      scheme: 'bearer',
      description:
        'An API key created with `management: true` (`onekey key create --management`); it acts as the workspace’s admin.',
    },
    session: {
      type: 'apiKey',
      in: 'cookie',
      name: sessionCookieName(publicUrl),
      description:
        'The console’s session cookie, set by sign-in; it acts with the user’s role in the session’s workspace.',
    },
    csrfToken: {
      type: 'apiKey',
      in: 'header',
      name: 'X-CSRF-Token',
      description:
        'With a session, on every request that changes something: the session’s `csrf_token`, and an `Origin` of this deployment.',
    },
    adminToken: {
      type: 'http',
      scheme: 'bearer',
      description:
        'The operator’s admin token (`ONEKEY_ADMIN_TOKEN`); without one set, the admin routes answer 404.',
    },
    stripeSignature: {
      type: 'apiKey',
      in: 'header',
      name: 'Stripe-Signature',
      description: 'Stripe’s signature of the exact body, checked with the webhook secret.',
    },
  }
}

const SAFE = new Set<HttpMethod>(['GET'])

/** The operation's `security`: alternatives, each a set of schemes that must all be present. */
export function securityOf(auth: AuthKind, method: HttpMethod): Record<string, string[]>[] {
  const session: Record<string, string[]> = SAFE.has(method)
    ? { session: [] }
    : { session: [], csrfToken: [] }
  switch (auth) {
    case 'apiKey':
      return [{ apiKey: [] }]
    case 'apiKeyOrSession':
      return [{ apiKey: [] }, session]
    case 'workspace':
      return [{ managementKey: [] }, session]
    case 'session':
    case 'member':
      return [session]
    case 'operator':
      return [{ adminToken: [] }, session]
    case 'adminTokenWhenSet':
      return [{ adminToken: [] }, {}]
    case 'stripe':
      return [{ stripeSignature: [] }]
    case 'anonymous':
    case 'public':
      return []
  }
}

/** The roles whose permissions include `action`, most powerful first. */
export function rolesFor(action: Action): string[] {
  return ROLES.filter((role) => PERMISSIONS[role].has(action))
}

/** Who may call, in one sentence, for the reference page and the operation's description. */
export function whoMayCall(auth: AuthKind, action: Action | undefined): string {
  switch (auth) {
    case 'apiKey':
      return 'Any API key of the workspace.'
    case 'apiKeyOrSession':
      return `Any API key of the workspace, or a console session whose role may \`${action ?? 'logs.read'}\` (${rolesFor(action ?? 'logs.read').join(', ')}).`
    case 'workspace':
      return action === undefined
        ? 'A management API key, or a console session.'
        : `A management API key (acts as admin), or a console session whose role may \`${action}\`: ${rolesFor(action).join(', ')}.`
    case 'session':
      return 'A signed-in console session.'
    case 'member':
      return `A console session (not an API key) whose role may \`${action}\`: ${rolesFor(action ?? 'workspace.read').join(', ')}.`
    case 'anonymous':
      return 'Anyone; from a browser, only this deployment’s own pages (Origin checked).'
    case 'operator':
      return 'The operator: the admin token, or a console session of a user with the operator flag.'
    case 'adminTokenWhenSet':
      return 'The admin token when one is configured; anyone otherwise.'
    case 'public':
      return 'Anyone.'
    case 'stripe':
      return 'Stripe, signing the body.'
  }
}

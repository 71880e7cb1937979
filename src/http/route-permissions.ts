/**
 * Every workspace route of the management API and the permission-table action it needs
 * (contracts/permissions.ts). The route tables ask for exactly these entries, and a test walks
 * them all with every role.
 *
 * @module
 */
import type { Action } from '../contracts/permissions.ts'

/** `METHOD path` (a trailing `{…}` is a path parameter) → the action it needs. */
export const ROUTE_PERMISSIONS = {
  'GET /api/v1/workspace': 'workspace.read',
  'PATCH /api/v1/workspace': 'workspace.update',
  'GET /api/v1/models': 'workspace.read',
  'GET /api/v1/overview': 'credits.read',
  'GET /api/v1/byok': 'byok.read',
  'PUT /api/v1/byok/{provider}': 'byok.write',
  'DELETE /api/v1/byok/{provider}': 'byok.write',
  'POST /api/v1/byok/{provider}/test': 'byok.write',
  'GET /api/v1/credits': 'credits.read',
  'POST /api/v1/credits/redeem': 'credits.redeem',
  'GET /api/v1/credits/checkout-preview': 'credits.read',
  'POST /api/v1/credits/checkout': 'credits.buy',
  'GET /api/v1/credits/purchases': 'ledger.read',
  'GET /api/v1/credits/auto-top-up': 'credits.read',
  'PUT /api/v1/credits/auto-top-up': 'credits.buy',
  'DELETE /api/v1/credits/auto-top-up/card': 'credits.buy',
  'GET /api/v1/keys': 'keys.read',
  'POST /api/v1/keys': 'keys.write',
  'DELETE /api/v1/keys/{id}': 'keys.write',
  'PUT /api/v1/keys/{id}/budget': 'budgets.write',
  'GET /api/v1/workspace/budget': 'workspace.read',
  'PUT /api/v1/workspace/budget': 'budgets.write',
  'GET /api/v1/ledger': 'ledger.read',
  'GET /api/v1/logs': 'logs.read',
  'GET /api/v1/logs/export': 'logs.read',
  'GET /api/v1/generation': 'logs.read',
  'GET /api/v1/activity': 'activity.read',
  'GET /api/v1/activity.csv': 'activity.read',
  'GET /api/v1/members': 'members.read',
  'POST /api/v1/members/invites': 'members.write',
  'DELETE /api/v1/members/invites/{id}': 'members.write',
  'PATCH /api/v1/members/{user_id}': 'members.write',
  // Anyone may remove themselves (leave); removing another member needs members.write (checked inside).
  'DELETE /api/v1/members/{user_id}': 'members.read',
  'POST /api/v1/members/transfer-ownership': 'ownership.transfer',
  'GET /api/v1/audit': 'audit.read',
  'GET /api/v1/alerts/settings': 'alerts.read',
  'PUT /api/v1/alerts/settings': 'alerts.write',
  'GET /api/v1/alerts/webhooks': 'alerts.read',
  'POST /api/v1/alerts/webhooks': 'alerts.write',
  'DELETE /api/v1/alerts/webhooks/{id}': 'alerts.write',
  'POST /api/v1/alerts/webhooks/{id}/test': 'alerts.write',
  'GET /api/v1/alerts/deliveries': 'alerts.read',
  'POST /api/v1/playground/chat/completions': 'playground.use',
  'POST /api/v1/playground/quote': 'playground.use',
} as const satisfies Record<string, Action>

export type PermissionedRoute = keyof typeof ROUTE_PERMISSIONS

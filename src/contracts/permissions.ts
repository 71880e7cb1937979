/**
 * The one permission table: which workspace role may do which action. The server checks it on
 * every `/api/v1/*` route that touches a workspace (http/route-permissions.ts maps each route and
 * method to one action); the console reads the same table to show or hide a button. The server
 * stays the judge: a hidden button is a courtesy, a refused call is the rule.
 *
 * @module
 */

/** Roles in a workspace, most powerful first. */
export const ROLES = ['owner', 'admin', 'developer', 'billing', 'viewer'] as const
export type Role = (typeof ROLES)[number]

/** Everything a member can do in a workspace. */
export const ACTIONS = [
  'workspace.read',
  'workspace.update',
  'keys.read',
  'keys.write',
  'byok.read',
  'byok.write',
  'logs.read',
  'activity.read',
  'credits.read',
  'credits.redeem',
  'credits.buy',
  'ledger.read',
  'members.read',
  'members.write',
  'ownership.transfer',
  'audit.read',
  'budgets.write',
  'alerts.read',
  'alerts.write',
  'playground.use',
] as const
export type Action = (typeof ACTIONS)[number]

const READ: Action[] = [
  'workspace.read',
  'keys.read',
  'byok.read',
  'logs.read',
  'activity.read',
  'credits.read',
  'ledger.read',
  'members.read',
  'alerts.read',
]

/** Role → the actions it may take. Viewer is read only; owner alone reads the audit log. */
export const PERMISSIONS: Readonly<Record<Role, ReadonlySet<Action>>> = {
  owner: new Set<Action>(ACTIONS),
  admin: new Set<Action>([
    ...READ,
    'workspace.update',
    'keys.write',
    'byok.write',
    'credits.redeem',
    'credits.buy',
    'members.write',
    'budgets.write',
    'alerts.write',
    'playground.use',
  ]),
  // The playground spends the workspace's credit on requests: the roles that can already make
  // requests (they create keys) use it; billing pays and sets limits but does not call models.
  developer: new Set<Action>([...READ, 'keys.write', 'byok.write', 'playground.use']),
  billing: new Set<Action>([...READ, 'credits.redeem', 'credits.buy', 'budgets.write', 'alerts.write']),
  viewer: new Set<Action>(READ),
}

/** Whether `role` may take `action`. */
export function can(role: Role, action: Action): boolean {
  return PERMISSIONS[role].has(action)
}

/** A role name from untrusted text, or undefined. */
export function asRole(text: string): Role | undefined {
  return (ROLES as readonly string[]).includes(text) ? (text as Role) : undefined
}

/**
 * The permission table, walked whole: every workspace route of the management API is called by a
 * console session of every role, and is refused (403 `permission_denied`) exactly when the table
 * says the role may not take the route's action. Every `/api/v1/*` route is accounted for: in the
 * table, or in the short lists of account, operator and API-key-only routes below.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ACTIONS, can, ROLES, type Role } from '../../src/contracts/permissions.ts'
import { ROUTE_PERMISSIONS } from '../../src/http/management-route-table.ts'
import { ConsoleClient } from '../helpers/console-client.ts'
import { routeTableForWalk } from '../helpers/route-table-walk.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

/** Routes outside the workspace table, and why. */
const ACCOUNT_ROUTES = /^\/api\/v1\/(auth\/|workspaces$)/ // the signed-in user's own account
const OPERATOR_ROUTES = /^\/api\/v1\/admin\// // admin token or an operator session
const KEY_ROUTES = new Set([
  '/api/v1/quote', // any API key: a price quote for a request
  '/api/v1/key', // any API key: its own spend limits and usage
  '/api/v1/payments/stripe/webhook', // Stripe, authenticated by the signature over the body
])

describe('permission table', () => {
  let gateway: TestGateway
  const sessions = new Map<Role, ConsoleClient>()

  before(async () => {
    gateway = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'sim-echo', offers: [offer('sim')] }],
      console: { sign_in_attempts: 100 },
    })
    const owner = new ConsoleClient(gateway.url)
    const workspaceId = (await owner.signUp('owner@example.test')).body.workspace.id
    sessions.set('owner', owner)
    for (const role of ROLES.filter((each) => each !== 'owner')) {
      const client = new ConsoleClient(gateway.url)
      const user = (await client.signUp(`${role}@example.test`)).body.user
      await gateway.store.accounts.addMember(workspaceId, user.id, role, new Date().toISOString())
      assert.equal(
        (await client.post('/api/v1/auth/switch-workspace', { workspace_id: workspaceId })).status,
        200,
      )
      sessions.set(role, client)
    }
  })
  after(() => gateway?.close())

  test('every action belongs to the owner, and viewers only read', () => {
    for (const action of ACTIONS) assert.ok(can('owner', action), action)
    for (const action of ACTIONS)
      assert.equal(can('viewer', action), action.endsWith('.read') && action !== 'audit.read', action)
  })

  test('every /api/v1 route is in the table or an explicit exception', () => {
    const { routes, parameterRoutes } = routeTableForWalk()
    const inTable = new Set(Object.keys(ROUTE_PERMISSIONS).map((route) => route.replace(/\{.*$/, '')))
    const missing: string[] = []
    for (const [table, parameter] of [
      [routes, false],
      [parameterRoutes, true],
    ] as const) {
      for (const [path, methods] of table) {
        if (!path.startsWith('/api/v1/') || ACCOUNT_ROUTES.test(path) || OPERATOR_ROUTES.test(path)) continue
        if (KEY_ROUTES.has(path)) continue
        for (const method of methods.keys()) {
          if (!inTable.has(`${method} ${path}`)) missing.push(`${method} ${path}${parameter ? '{…}' : ''}`)
        }
      }
    }
    assert.deepEqual(missing, [])
  })

  for (const [route, action] of Object.entries(ROUTE_PERMISSIONS)) {
    test(`${route} (${action})`, async () => {
      const [method, template] = route.split(' ') as [string, string]
      const path = template.replace(/\{[^}]+\}/, 'usr_not_a_member')
      for (const role of ROLES) {
        const client = sessions.get(role)!
        const answer = await client.request(
          method,
          path,
          method === 'GET' || method === 'DELETE' ? undefined : {},
        )
        // Removing someone else needs members.write even though leaving (yourself) needs only membership.
        const allowed =
          route === 'DELETE /api/v1/members/{user_id}' ? can(role, 'members.write') : can(role, action)
        const refused = answer.status === 403 && answer.body.error?.code === 'permission_denied'
        assert.equal(
          refused,
          !allowed,
          `${role} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`,
        )
        assert.ok(answer.status < 500, `${role} → ${answer.status}`)
      }
    })
  }
})

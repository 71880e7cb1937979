/**
 * The members and audit-log routes of the management API (a session's workspace; the route table
 * checks each route's action before these run).
 *
 *   GET    /api/v1/members                         members and open invitations
 *   POST   /api/v1/members/invites                 {email, role}: invite (admins are invited by the owner)
 *   DELETE /api/v1/members/invites/{id}            revoke an invitation
 *   PATCH  /api/v1/members/{user_id}               {role}
 *   DELETE /api/v1/members/{user_id}               remove (yourself: leave)
 *   POST   /api/v1/members/transfer-ownership      {user_id}
 *   GET    /api/v1/audit?limit=&before=            the audit log (owner)
 *
 * @module
 */
import type { MembershipService } from '../accounts/membership-service.ts'
import { inviteBody, roleBody, transferBody } from '../contracts/console-api.ts'
import { can } from '../contracts/permissions.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import type { Handler } from './app-dependencies.ts'
import { parseBody } from './parse-body.ts'
import { pagedList, parameterOf } from './request-query.ts'
import type { PermissionedRoute } from './route-permissions.ts'
import type { WorkspaceCaller } from './workspace-caller.ts'

export interface MemberRouteDependencies {
  /** A handler for a route of the permission table, answering what `run` returns. */
  on(
    route: PermissionedRoute,
    run: (caller: WorkspaceCaller, context: RequestContext) => Promise<string>,
    status?: number,
  ): Handler
  memberships: MembershipService
  body(context: RequestContext): Promise<Record<string, unknown>>
}

function publicInvite(invite: {
  id: string
  email: string
  role: string
  expiresAt: string
  createdAt: string
}) {
  return {
    id: invite.id,
    email: invite.email,
    role: invite.role,
    expires_at: invite.expiresAt,
    created_at: invite.createdAt,
  }
}

export function createMemberRoutes(dependencies: MemberRouteDependencies) {
  const { on, memberships, body } = dependencies
  const membersAnswer = async (workspaceId: string) => {
    const { members, invites } = await memberships.list(workspaceId)
    return JSON.stringify({
      object: 'members',
      data: members.map((member) => ({
        user_id: member.userId,
        email: member.email,
        role: member.role,
        joined_at: member.joinedAt,
      })),
      invites: invites.map(publicInvite),
    })
  }

  const routes = new Map<string, Map<string, Handler>>([
    [
      '/api/v1/members',
      new Map([['GET', on('GET /api/v1/members', (found) => membersAnswer(found.workspaceId))]]),
    ],
    [
      '/api/v1/members/invites',
      new Map([
        [
          'POST',
          on(
            'POST /api/v1/members/invites',
            async (found, context) => {
              const { email, role } = parseBody(inviteBody, await body(context))
              if (role === 'admin' && found.actor.role !== 'owner')
                throw new GatewayError('permission_denied', 'Only the owner invites admins.')
              return JSON.stringify(
                publicInvite(await memberships.invite(found.workspaceId, found.actor, email, role)),
              )
            },
            201,
          ),
        ],
      ]),
    ],
    [
      '/api/v1/members/transfer-ownership',
      new Map([
        [
          'POST',
          on('POST /api/v1/members/transfer-ownership', async (found, context) => {
            const { user_id: userId } = parseBody(transferBody, await body(context))
            await memberships.transferOwnership(found.workspaceId, found.actor, userId)
            return membersAnswer(found.workspaceId)
          }),
        ],
      ]),
    ],
    [
      '/api/v1/audit',
      new Map([
        [
          'GET',
          on('GET /api/v1/audit', (found, context) =>
            pagedList(
              context,
              (page) => memberships.listAudit(found.workspaceId, page),
              (entry) => ({
                id: entry.id,
                actor: entry.actor,
                action: entry.action,
                target: entry.target,
                ip: entry.ip,
                created_at: entry.createdAt,
              }),
            ),
          ),
        ],
      ]),
    ],
  ])
  const parameterRoutes = new Map<string, Map<string, Handler>>([
    [
      '/api/v1/members/invites/',
      new Map([
        [
          'DELETE',
          on('DELETE /api/v1/members/invites/{id}', async (found, context) => {
            const id = parameterOf(context, '/api/v1/members/invites/', 'id')
            await memberships.revokeInvite(found.workspaceId, found.actor, id)
            return JSON.stringify({ id, revoked: true })
          }),
        ],
      ]),
    ],
    [
      '/api/v1/members/',
      new Map([
        [
          'PATCH',
          on('PATCH /api/v1/members/{user_id}', async (found, context) => {
            const userId = parameterOf(context, '/api/v1/members/', 'user_id')
            const { role } = parseBody(roleBody, await body(context))
            const member = await memberships.changeRole(found.workspaceId, found.actor, userId, role)
            return JSON.stringify({
              user_id: member.userId,
              email: member.email,
              role: member.role,
              joined_at: member.joinedAt,
            })
          }),
        ],
        [
          'DELETE',
          on('DELETE /api/v1/members/{user_id}', async (found, context) => {
            const userId = parameterOf(context, '/api/v1/members/', 'user_id')
            if (userId !== found.actor.userId && !can(found.actor.role, 'members.write'))
              throw new GatewayError(
                'permission_denied',
                `Your role (${found.actor.role}) does not allow this (members.write).`,
              )
            await memberships.remove(found.workspaceId, found.actor, userId)
            return JSON.stringify({ user_id: userId, removed: true })
          }),
        ],
      ]),
    ],
  ])
  return { routes, parameterRoutes }
}

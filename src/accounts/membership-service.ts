/**
 * A workspace's members and invitations, and its audit log. Role rules beyond the permission
 * table: a workspace always has exactly one owner (ownership is transferred, never assigned or
 * left behind), and an admin never changes or removes the owner.
 *
 * @module
 */
import { asRole, type Role } from '../contracts/permissions.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { AuditRecord, InviteRecord, MemberRecord } from '../storage/account-repository.ts'
import type { Store } from '../storage/store.ts'
import { accountEmails } from './account-emails.ts'
import { normalizeEmail } from './account-service.ts'
import type { Mailer } from './mailer.ts'
import { hashSecretToken, newId, newSecretToken, newTimeOrderedId } from './secret-tokens.ts'

const INVITE_TTL_MS = 7 * 86_400_000

/** Who is acting, as the audit log names them, and from where. */
export interface Actor {
  /** `user:<email>`, `key:<key id>` or `operator:<email>`. */
  name: string
  /** The acting user, when a person (not a key) acts. */
  userId: string | null
  role: Role
  ip: string | null
}

export interface MembershipServiceOptions {
  store: Pick<Store, 'accounts' | 'workspaces'>
  mailer: Mailer
  siteName: string
  /** The deployment's public URL, read when a link is made. */
  publicUrl: () => string
  now?: () => Date
}

export type MembershipService = ReturnType<typeof createMembershipService>

export function createMembershipService(options: MembershipServiceOptions) {
  const accounts = options.store.accounts
  const now = options.now ?? (() => new Date())
  const emails = accountEmails(options.siteName, options.publicUrl)

  async function audit(workspaceId: string, actor: Actor, action: string, target: string | null) {
    const at = now()
    await accounts.appendAudit({
      id: newTimeOrderedId('au', at.getTime()),
      workspaceId,
      actor: actor.name,
      action,
      target,
      ip: actor.ip,
      createdAt: at.toISOString(),
    })
  }

  async function memberOf(workspaceId: string, userId: string): Promise<MemberRecord> {
    const member = (await accounts.listMembers(workspaceId)).find((each) => each.userId === userId)
    if (member === undefined)
      throw new GatewayError('not_found', `No member \`${userId}\` in this workspace.`)
    return member
  }

  function refuseOwnerChange(member: MemberRecord, actor: Actor): void {
    if (member.role === 'owner')
      throw new GatewayError(
        'permission_denied',
        'The owner cannot be changed or removed; the owner can transfer ownership first.',
      )
    if (member.role === 'admin' && actor.role !== 'owner' && member.userId !== actor.userId)
      throw new GatewayError('permission_denied', 'Only the owner changes or removes an admin.')
  }

  return {
    /** Writes one audit entry (key created, BYOK stored, settings changed…). */
    audit,
    listAudit(
      workspaceId: string,
      query: { limit: number; before?: string | undefined },
    ): Promise<AuditRecord[]> {
      return accounts.listAudit(workspaceId, query)
    },

    async list(workspaceId: string): Promise<{ members: MemberRecord[]; invites: InviteRecord[] }> {
      const [members, invites] = await Promise.all([
        accounts.listMembers(workspaceId),
        accounts.listInvites(workspaceId, now().toISOString()),
      ])
      return { members, invites }
    },

    /** Creates an invitation and mails its single-use link. */
    async invite(workspaceId: string, actor: Actor, rawEmail: string, role: Role): Promise<InviteRecord> {
      const email = normalizeEmail(rawEmail)
      if ((await accounts.listMembers(workspaceId)).some((member) => member.email === email))
        throw new GatewayError('conflict', `${email} is already a member.`, { param: 'email' })
      const workspace = await options.store.workspaces.find(workspaceId)
      if (workspace === undefined) throw new GatewayError('not_found', 'The workspace no longer exists.')
      const token = newSecretToken()
      const at = now()
      const invite: InviteRecord = {
        id: newId('inv'),
        workspaceId,
        email,
        role,
        tokenHash: hashSecretToken(token),
        invitedBy: actor.name,
        createdAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + INVITE_TTL_MS).toISOString(),
        acceptedAt: null,
        revokedAt: null,
      }
      await accounts.createInvite(invite)
      await options.mailer.send(
        emails.invitation(email, token, workspace.name, role, actor.name.replace(/^[a-z]+:/, '')),
      )
      await audit(workspaceId, actor, 'member.invited', `${email} as ${role}`)
      return invite
    },

    async revokeInvite(workspaceId: string, actor: Actor, id: string): Promise<void> {
      if (!(await accounts.revokeInvite(workspaceId, id, now().toISOString())))
        throw new GatewayError('not_found', `No open invitation \`${id}\` in this workspace.`)
      await audit(workspaceId, actor, 'invite.revoked', id)
    },

    async changeRole(workspaceId: string, actor: Actor, userId: string, role: Role): Promise<MemberRecord> {
      const member = await memberOf(workspaceId, userId)
      refuseOwnerChange(member, actor)
      if (role === 'admin' && actor.role !== 'owner')
        throw new GatewayError('permission_denied', 'Only the owner makes someone an admin.')
      await accounts.setRole(workspaceId, userId, role)
      await audit(workspaceId, actor, 'member.role_changed', `${member.email}: ${member.role} → ${role}`)
      return { ...member, role }
    },

    /** Removes a member; removing yourself is leaving (any role but owner). */
    async remove(workspaceId: string, actor: Actor, userId: string): Promise<void> {
      const member = await memberOf(workspaceId, userId)
      if (member.userId !== actor.userId) refuseOwnerChange(member, actor)
      else if (member.role === 'owner')
        throw new GatewayError('permission_denied', 'The owner cannot leave; transfer ownership first.')
      await accounts.removeMember(workspaceId, userId)
      await audit(
        workspaceId,
        actor,
        member.userId === actor.userId ? 'member.left' : 'member.removed',
        member.email,
      )
    },

    async transferOwnership(workspaceId: string, actor: Actor, userId: string): Promise<void> {
      if (actor.userId === null || actor.role !== 'owner')
        throw new GatewayError('permission_denied', 'Only the owner transfers ownership.')
      const member = await memberOf(workspaceId, userId)
      if (member.userId === actor.userId) throw new GatewayError('invalid_parameter', 'You already own it.')
      await accounts.transferOwnership(workspaceId, actor.userId, userId)
      await audit(workspaceId, actor, 'ownership.transferred', member.email)
    },

    /** The user's workspaces with their role. */
    listOf(userId: string) {
      return accounts.membershipsOf(userId)
    },

    /** The caller's role in a workspace, or undefined when not a member. */
    async roleOf(workspaceId: string, userId: string): Promise<Role | undefined> {
      const role = await accounts.roleOf(workspaceId, userId)
      return role === undefined ? undefined : asRole(role)
    },
  }
}

import type { InviteSummary, MemberSummary, MembersAnswer } from '@contracts/console-api.ts'
import { formatDateTime } from '../../format/dates.ts'
import { Button } from '../../ui/button.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import { ASSIGNABLE_ROLES, type AssignableRole } from './members-queries.ts'

interface MembersViewProps {
  data: MembersAnswer | undefined
  isPending: boolean
  error: unknown
  onRetry: () => void
  currentUserId: string
  canWrite: boolean
  canTransfer: boolean
  roleChanging: string | undefined
  roleError: unknown
  onChangeRole: (userId: string, role: AssignableRole) => void
  onRemove: (member: MemberSummary) => void
  onLeave: (member: MemberSummary) => void
  onTransfer: (member: MemberSummary) => void
  onRevokeInvite: (invite: InviteSummary) => void
}

export function MembersView(props: MembersViewProps) {
  const { data, isPending, error, onRetry, currentUserId, canWrite, canTransfer, roleChanging, roleError } =
    props
  if (error) return <ErrorMessage error={error} onRetry={onRetry} />
  if (isPending || data === undefined) return <Skeleton lines={5} />
  return (
    <>
      <section className="section" aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        {roleError ? <ErrorMessage error={roleError} /> : null}
        <TableWrap label="Members">
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((member) => {
                const self = member.user_id === currentUserId
                const editable = canWrite && !self && member.role !== 'owner'
                return (
                  <tr key={member.user_id}>
                    <th scope="row">
                      {member.email}
                      {self ? <span className="muted"> (you)</span> : null}
                    </th>
                    <td>
                      {editable ? (
                        <>
                          <label className="visually-hidden" htmlFor={`role-${member.user_id}`}>
                            Role of {member.email}
                          </label>
                          <select
                            id={`role-${member.user_id}`}
                            value={member.role}
                            disabled={roleChanging === member.user_id}
                            onChange={(event) =>
                              props.onChangeRole(member.user_id, event.target.value as AssignableRole)
                            }
                          >
                            {ASSIGNABLE_ROLES.map((role) => (
                              <option key={role} value={role}>
                                {role}
                              </option>
                            ))}
                          </select>
                        </>
                      ) : (
                        member.role
                      )}
                    </td>
                    <td>{formatDateTime(member.joined_at)}</td>
                    <td>
                      <div className="page-actions">
                        {self && member.role !== 'owner' ? (
                          <Button size="small" variant="danger" onClick={() => props.onLeave(member)}>
                            Leave workspace
                          </Button>
                        ) : null}
                        {canTransfer && !self ? (
                          <Button
                            size="small"
                            onClick={() => props.onTransfer(member)}
                            aria-label={`Transfer ownership to ${member.email}`}
                          >
                            Make owner
                          </Button>
                        ) : null}
                        {editable ? (
                          <Button
                            size="small"
                            variant="danger"
                            onClick={() => props.onRemove(member)}
                            aria-label={`Remove ${member.email}`}
                          >
                            Remove
                          </Button>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </TableWrap>
      </section>
      <section className="section" aria-labelledby="invites-heading">
        <h2 id="invites-heading">Pending invitations</h2>
        {data.invites.length === 0 ? (
          <EmptyState title="No pending invitations" />
        ) : (
          <TableWrap label="Pending invitations">
            <table>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Expires</th>
                  {canWrite ? (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {data.invites.map((invite) => (
                  <tr key={invite.id}>
                    <th scope="row">{invite.email}</th>
                    <td>{invite.role}</td>
                    <td>{formatDateTime(invite.created_at)}</td>
                    <td>{formatDateTime(invite.expires_at)}</td>
                    {canWrite ? (
                      <td>
                        <Button
                          size="small"
                          variant="danger"
                          onClick={() => props.onRevokeInvite(invite)}
                          aria-label={`Revoke the invitation for ${invite.email}`}
                        >
                          Revoke
                        </Button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  )
}

import type { MemberSummary } from '@contracts/console-api.ts'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useNavigate } from '@tanstack/react-router'
import { type FormEvent, useState } from 'react'
import { sessionKeys } from '../../session/session-queries.ts'
import { useCan, useSession } from '../../session/use-session.ts'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/dialog.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { SelectField, TextField } from '../../ui/field.tsx'
import { type FieldErrors, splitServerError } from '../../ui/form-errors.ts'
import { PageHeader } from '../../ui/page-header.tsx'
import { useToast } from '../../ui/toast.tsx'
import {
  ASSIGNABLE_ROLES,
  type AssignableRole,
  changeRoleMutation,
  inviteMutation,
  membersQuery,
  removeMemberMutation,
  revokeInviteMutation,
  transferOwnershipMutation,
} from './members-queries.ts'
import { MembersView } from './members-view.tsx'

type Pending =
  | { kind: 'remove'; member: MemberSummary }
  | { kind: 'leave'; member: MemberSummary }
  | { kind: 'transfer'; member: MemberSummary }
  | { kind: 'revoke-invite'; id: string; email: string }

export function MembersPage() {
  const session = useSession()
  const canWrite = useCan('members.write')
  const canTransfer = useCan('ownership.transfer')
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const notify = useToast()
  const members = useQuery(membersQuery())
  const [pending, setPending] = useState<Pending | null>(null)
  const changeRole = useMutation({
    ...changeRoleMutation(queryClient),
    onSuccess: (member) => {
      changeRoleMutation(queryClient).onSuccess()
      notify(`${member.email} is now ${member.role}`)
    },
  })
  const remove = useMutation(removeMemberMutation(queryClient))
  const revokeInvite = useMutation(revokeInviteMutation(queryClient))
  const transfer = useMutation(transferOwnershipMutation(queryClient))
  const confirmPending = remove.isPending || revokeInvite.isPending || transfer.isPending
  const confirmError = remove.error ?? revokeInvite.error ?? transfer.error
  function open(next: Pending) {
    remove.reset()
    revokeInvite.reset()
    transfer.reset()
    setPending(next)
  }
  function confirm() {
    if (pending === null) return
    const done = (message: string) => () => {
      notify(message)
      setPending(null)
    }
    if (pending.kind === 'remove')
      remove.mutate(pending.member.user_id, { onSuccess: done(`Removed ${pending.member.email}`) })
    if (pending.kind === 'leave') {
      remove.mutate(pending.member.user_id, {
        onSuccess: () => {
          setPending(null)
          notify('You left the workspace')
          void queryClient.invalidateQueries({ queryKey: sessionKeys.all }).then(() => navigate({ to: '/' }))
        },
      })
    }
    if (pending.kind === 'transfer')
      transfer.mutate(pending.member.user_id, { onSuccess: done(`${pending.member.email} is now the owner`) })
    if (pending.kind === 'revoke-invite')
      revokeInvite.mutate(pending.id, { onSuccess: done(`Invitation for ${pending.email} revoked`) })
  }
  const titles: Record<Pending['kind'], string> = {
    remove: 'Remove this member?',
    leave: 'Leave this workspace?',
    transfer: 'Transfer ownership?',
    'revoke-invite': 'Revoke this invitation?',
  }
  return (
    <>
      <PageHeader title="Members" />
      {canWrite ? <InviteForm /> : null}
      <MembersView
        data={members.data}
        isPending={members.isPending}
        error={members.error}
        onRetry={() => void members.refetch()}
        currentUserId={session.user.id}
        canWrite={canWrite}
        canTransfer={canTransfer}
        roleChanging={changeRole.isPending ? changeRole.variables?.userId : undefined}
        roleError={changeRole.error}
        onChangeRole={(userId, role) => changeRole.mutate({ userId, role })}
        onRemove={(member) => open({ kind: 'remove', member })}
        onLeave={(member) => open({ kind: 'leave', member })}
        onTransfer={(member) => open({ kind: 'transfer', member })}
        onRevokeInvite={(invite) => open({ kind: 'revoke-invite', id: invite.id, email: invite.email })}
      />
      <ConfirmDialog
        open={pending !== null}
        title={pending ? titles[pending.kind] : ''}
        confirmLabel={
          pending?.kind === 'leave'
            ? 'Leave workspace'
            : pending?.kind === 'transfer'
              ? 'Transfer ownership'
              : pending?.kind === 'revoke-invite'
                ? 'Revoke invitation'
                : 'Remove'
        }
        onConfirm={confirm}
        onClose={() => setPending(null)}
        pending={confirmPending}
        error={confirmError}
      >
        {pending?.kind === 'remove' ? (
          <p>{pending.member.email} loses access to this workspace at once.</p>
        ) : null}
        {pending?.kind === 'leave' ? (
          <p>You lose access to this workspace until someone invites you again.</p>
        ) : null}
        {pending?.kind === 'transfer' ? (
          <p>
            {pending.member.email} becomes the owner and you become an admin. Only the new owner can undo
            this.
          </p>
        ) : null}
        {pending?.kind === 'revoke-invite' ? (
          <p>The invitation link sent to {pending.email} stops working.</p>
        ) : null}
      </ConfirmDialog>
    </>
  )
}

function InviteForm() {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [errors, setErrors] = useState<FieldErrors>({})
  const invite = useMutation({
    ...inviteMutation(queryClient),
    onSuccess: (sent) => {
      inviteMutation(queryClient).onSuccess()
      notify(`Invitation sent to ${sent.email}`)
    },
    onError: (error) => setErrors(splitServerError(error, ['email', 'role']).fields),
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = event.currentTarget
    const data = new FormData(form)
    const email = String(data.get('email') ?? '').trim()
    const role = String(data.get('role') ?? 'developer') as AssignableRole
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      setErrors({ email: 'Enter a valid email address.' })
      return
    }
    setErrors({})
    invite.mutate({ email, role }, { onSuccess: () => form.reset() })
  }
  const formError = invite.error ? splitServerError(invite.error, ['email', 'role']).form : null
  return (
    <section className="section" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite a member</h2>
      <form className="inline-form" onSubmit={submit} noValidate>
        <TextField label="Email" name="email" type="email" autoComplete="off" error={errors.email} />
        <SelectField
          label="Role"
          name="role"
          defaultValue="developer"
          error={errors.role}
          options={ASSIGNABLE_ROLES.map((role) => ({ value: role, label: role }))}
        />
        <Button type="submit" variant="primary" pending={invite.isPending}>
          Invite
        </Button>
      </form>
      {formError ? <ErrorMessage error={formError} /> : null}
    </section>
  )
}

import { PASSWORD_MAX, PASSWORD_MIN, passwordChangeBody } from '@contracts/console-api.ts'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useNavigate } from '@tanstack/react-router'
import { type FormEvent, useState } from 'react'
import { formatDateTime, formatRelative } from '../../format/dates.ts'
import { resendVerificationMutation, signOutMutation } from '../../session/session-queries.ts'
import { useSession } from '../../session/use-session.ts'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/dialog.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { type FieldErrors, issuesToFieldErrors, splitServerError } from '../../ui/form-errors.ts'
import { PageHeader } from '../../ui/page-header.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import { useToast } from '../../ui/toast.tsx'
import {
  changePasswordMutation,
  revokeSessionMutation,
  sessionsQuery,
  signOutEverywhereMutation,
} from './account-queries.ts'
import { TwoFactorSection } from './two-factor-section.tsx'

const SIGNED_OUT = { to: '/sign-in', search: { redirect: undefined, invite: undefined } } as const

export function AccountPage() {
  const session = useSession()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const resend = useMutation(resendVerificationMutation())
  const signOut = useMutation({
    ...signOutMutation(queryClient),
    onSettled: () => {
      signOutMutation(queryClient).onSettled()
      void navigate(SIGNED_OUT)
    },
  })
  const [everywhere, setEverywhere] = useState(false)
  const signOutEverywhere = useMutation({
    ...signOutEverywhereMutation(queryClient),
    onSettled: () => {
      signOutEverywhereMutation(queryClient).onSettled()
      void navigate(SIGNED_OUT)
    },
  })
  return (
    <>
      <PageHeader title="Account">
        <Button onClick={() => signOut.mutate()} pending={signOut.isPending}>
          Sign out
        </Button>
      </PageHeader>
      <section className="section" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl className="details-list">
          <div>
            <dt>Email</dt>
            <dd>{session.user.email}</dd>
          </div>
          <div>
            <dt>Email verified</dt>
            <dd>
              {session.user.email_verified ? (
                'Yes'
              ) : (
                <>
                  No.{' '}
                  <Button
                    size="small"
                    onClick={() => resend.mutate()}
                    pending={resend.isPending}
                    disabled={resend.isSuccess}
                  >
                    Resend
                  </Button>
                  {resend.isSuccess ? <span role="status"> Sent.</span> : null}
                </>
              )}
            </dd>
          </div>
          <div>
            <dt>Member since</dt>
            <dd>{formatDateTime(session.user.created_at)}</dd>
          </div>
        </dl>
        {resend.error ? <ErrorMessage error={resend.error} /> : null}
      </section>
      <PasswordForm />
      <TwoFactorSection enabled={session.user.totp_enabled} />
      <SessionsSection />
      <section className="section" aria-labelledby="everywhere-heading">
        <h2 id="everywhere-heading">Sign out everywhere</h2>
        <p>Ends every session of your account, on this device and all others.</p>
        <Button variant="danger" onClick={() => setEverywhere(true)}>
          Sign out everywhere
        </Button>
      </section>
      <ConfirmDialog
        open={everywhere}
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        onConfirm={() => signOutEverywhere.mutate()}
        onClose={() => setEverywhere(false)}
        pending={signOutEverywhere.isPending}
        error={signOutEverywhere.error}
      >
        <p>You will need to sign in again on every device.</p>
      </ConfirmDialog>
    </>
  )
}

function PasswordForm() {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [errors, setErrors] = useState<FieldErrors>({})
  const change = useMutation({
    ...changePasswordMutation(queryClient),
    onSuccess: () => {
      changePasswordMutation(queryClient).onSuccess()
      notify('Password changed')
    },
    onError: (error) => setErrors(splitServerError(error, ['current_password', 'new_password']).fields),
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = event.currentTarget
    const data = new FormData(form)
    const parsed = passwordChangeBody.safeParse({
      current_password: String(data.get('current_password') ?? ''),
      new_password: String(data.get('new_password') ?? ''),
    })
    if (!parsed.success) {
      setErrors(
        issuesToFieldErrors(parsed.error.issues, {
          current_password: 'Enter your current password.',
          new_password: `Use ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`,
        }),
      )
      return
    }
    setErrors({})
    change.mutate(parsed.data, { onSuccess: () => form.reset() })
  }
  const formError = change.error
    ? splitServerError(change.error, ['current_password', 'new_password']).form
    : null
  return (
    <section className="section" aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <form className="stack" onSubmit={submit} noValidate>
        <TextField
          label="Current password"
          name="current_password"
          type="password"
          autoComplete="current-password"
          error={errors.current_password}
        />
        <TextField
          label="New password"
          name="new_password"
          type="password"
          autoComplete="new-password"
          minLength={PASSWORD_MIN}
          maxLength={PASSWORD_MAX}
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`}
          error={errors.new_password}
        />
        {formError ? <ErrorMessage error={formError} /> : null}
        <Button type="submit" variant="primary" pending={change.isPending}>
          Change password
        </Button>
      </form>
    </section>
  )
}

function SessionsSection() {
  const queryClient = useQueryClient()
  const notify = useToast()
  const sessions = useQuery(sessionsQuery())
  const revoke = useMutation({
    ...revokeSessionMutation(queryClient),
    onSuccess: () => {
      revokeSessionMutation(queryClient).onSuccess()
      notify('Session signed out')
    },
  })
  return (
    <section className="section" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Active sessions</h2>
      {revoke.error ? <ErrorMessage error={revoke.error} /> : null}
      {sessions.error ? (
        <ErrorMessage error={sessions.error} onRetry={() => void sessions.refetch()} />
      ) : sessions.isPending ? (
        <Skeleton lines={3} />
      ) : sessions.data.data.length === 0 ? (
        <EmptyState title="No active sessions" />
      ) : (
        <TableWrap label="Active sessions">
          <table>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">IP</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last seen</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.data.map((entry) => (
                <tr key={entry.id}>
                  <th scope="row">
                    {entry.user_agent ?? 'Unknown device'}
                    {entry.current ? (
                      <>
                        {' '}
                        <span className="badge badge-ok">this device</span>
                      </>
                    ) : null}
                  </th>
                  <td className="mono">{entry.ip ?? '–'}</td>
                  <td>{formatDateTime(entry.created_at)}</td>
                  <td title={entry.last_seen_at}>{formatRelative(entry.last_seen_at)}</td>
                  <td>
                    {entry.current ? null : (
                      <Button
                        size="small"
                        variant="danger"
                        onClick={() => revoke.mutate(entry.id)}
                        pending={revoke.isPending && revoke.variables === entry.id}
                        aria-label={`Sign out the session from ${entry.user_agent ?? 'an unknown device'}`}
                      >
                        Sign out
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  )
}

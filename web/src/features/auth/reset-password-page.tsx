import { PASSWORD_MAX, PASSWORD_MIN } from '@contracts/console-api.ts'
import { useMutation } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { type FormEvent, useState } from 'react'
import { Button } from '../../ui/button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { formText, splitServerError } from '../../ui/form-errors.ts'
import { confirmResetMutation, requestResetMutation } from './auth-queries.ts'
import { AuthShell } from './auth-shell.tsx'

const route = getRouteApi('/reset-password')
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function ResetPasswordPage() {
  const { token } = route.useSearch()
  return token ? <NewPasswordForm token={token} /> : <RequestForm />
}

function RequestForm() {
  const [error, setError] = useState<string>()
  const request = useMutation(requestResetMutation())
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const email = formText(new FormData(event.currentTarget), 'email')
    if (!EMAIL.test(email)) {
      setError('Enter a valid email address.')
      return
    }
    setError(undefined)
    request.mutate(email)
  }
  return (
    <AuthShell title="Reset your password">
      {request.isSuccess ? (
        <p role="status">If an account exists for that address, we sent a link to reset its password.</p>
      ) : (
        <form onSubmit={submit} noValidate className="stack">
          <TextField
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            error={error ?? splitServerError(request.error, ['email']).fields.email}
          />
          {request.error && splitServerError(request.error, ['email']).form ? (
            <ErrorMessage error={request.error} />
          ) : null}
          <Button type="submit" variant="primary" pending={request.isPending}>
            Send reset link
          </Button>
        </form>
      )}
      <p className="auth-links">
        <Link to="/sign-in" search={{ redirect: undefined, invite: undefined }}>
          Back to sign in
        </Link>
      </p>
    </AuthShell>
  )
}

function NewPasswordForm({ token }: { token: string }) {
  const [error, setError] = useState<string>()
  const confirm = useMutation(confirmResetMutation())
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const password = String(new FormData(event.currentTarget).get('password') ?? '')
    if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
      setError(`Use ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`)
      return
    }
    setError(undefined)
    confirm.mutate({ token, password })
  }
  const split = splitServerError(confirm.error, ['password'])
  return (
    <AuthShell title="Choose a new password">
      {confirm.isSuccess ? (
        <div role="status">
          <p>Your password is changed. Sign in with the new one.</p>
          <p>
            <Link to="/sign-in" search={{ redirect: undefined, invite: undefined }}>
              Sign in
            </Link>
          </p>
        </div>
      ) : (
        <form onSubmit={submit} noValidate className="stack">
          <TextField
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={PASSWORD_MIN}
            maxLength={PASSWORD_MAX}
            hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`}
            error={error ?? split.fields.password}
          />
          {confirm.error && split.form ? <ErrorMessage error={split.form} /> : null}
          <Button type="submit" variant="primary" pending={confirm.isPending}>
            Set password
          </Button>
        </form>
      )}
    </AuthShell>
  )
}

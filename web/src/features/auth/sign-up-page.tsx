import { PASSWORD_MAX, PASSWORD_MIN, signUpBody } from '@contracts/console-api.ts'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router'
import { type FormEvent, useState } from 'react'
import { bootData } from '../../api/boot-data.ts'
import { Button } from '../../ui/button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { type FieldErrors, formText, issuesToFieldErrors, splitServerError } from '../../ui/form-errors.ts'
import { signUpMutation } from './auth-queries.ts'
import { AuthShell } from './auth-shell.tsx'

const route = getRouteApi('/sign-up')
const FIELDS = ['email', 'password', 'workspace_name', 'invite_token']

export function SignUpPage() {
  const { invite } = route.useSearch()
  const boot = bootData()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const [errors, setErrors] = useState<FieldErrors>({})
  const signUp = useMutation({
    ...signUpMutation(queryClient),
    onSuccess: (session) => {
      signUpMutation(queryClient).onSuccess(session)
      void navigate({ to: '/' })
    },
    onError: (error) => setErrors(splitServerError(error, FIELDS).fields),
  })
  if (boot.signup === 'closed' && !invite) {
    return (
      <AuthShell title="Sign up">
        <p>New accounts are not open on this deployment.</p>
        <p>
          <Link to="/sign-in" search={{ redirect: undefined, invite: undefined }}>
            Sign in
          </Link>
        </p>
      </AuthShell>
    )
  }
  if (boot.signup === 'invite_only' && !invite) {
    return (
      <AuthShell title="Sign up">
        <p>This deployment opens accounts by invitation: use the link in your invitation email.</p>
        <p>
          <Link to="/sign-in" search={{ redirect: undefined, invite: undefined }}>
            Sign in
          </Link>
        </p>
      </AuthShell>
    )
  }
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const workspaceName = formText(data, 'workspace_name')
    const parsed = signUpBody.safeParse({
      email: formText(data, 'email'),
      password: String(data.get('password') ?? ''),
      ...(workspaceName === '' ? {} : { workspace_name: workspaceName }),
      ...(invite ? { invite_token: invite } : {}),
    })
    if (!parsed.success) {
      setErrors(
        issuesToFieldErrors(parsed.error.issues, {
          email: 'Enter a valid email address.',
          password: `Use ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`,
          workspace_name: 'Use at most 100 characters.',
        }),
      )
      return
    }
    setErrors({})
    signUp.mutate(parsed.data)
  }
  const formError = signUp.error && splitServerError(signUp.error, FIELDS).form
  return (
    <AuthShell title="Sign up">
      {invite ? <p>You are joining a workspace by invitation.</p> : null}
      <form onSubmit={submit} noValidate className="stack">
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={errors.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN}
          maxLength={PASSWORD_MAX}
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`}
          error={errors.password}
        />
        {invite ? null : (
          <TextField
            label="Workspace name (optional)"
            name="workspace_name"
            maxLength={100}
            autoComplete="organization"
            error={errors.workspace_name}
          />
        )}
        {errors.invite_token ? <p className="field-error">{errors.invite_token}</p> : null}
        {formError ? <ErrorMessage error={formError} /> : null}
        <Button type="submit" variant="primary" pending={signUp.isPending}>
          Sign up
        </Button>
      </form>
      <p className="auth-links">
        Already have an account?{' '}
        <Link to="/sign-in" search={{ redirect: undefined, invite }}>
          Sign in
        </Link>
      </p>
    </AuthShell>
  )
}

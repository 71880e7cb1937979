import { signInBody } from '@contracts/console-api.ts'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router'
import { type FormEvent, useEffect, useRef, useState } from 'react'
import { ApiError } from '../../api/api-client.ts'
import { bootData } from '../../api/boot-data.ts'
import { Button } from '../../ui/button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { type FieldErrors, formText, issuesToFieldErrors, splitServerError } from '../../ui/form-errors.ts'
import { normalizeCode } from '../account/two-factor-format.ts'
import { signInMutation } from './auth-queries.ts'
import { AuthShell } from './auth-shell.tsx'

const route = getRouteApi('/sign-in')

export function SignInPage() {
  const { redirect, invite } = route.useSearch()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const [errors, setErrors] = useState<FieldErrors>({})
  const [askTotp, setAskTotp] = useState(false)
  const formRef = useRef<HTMLFormElement>(null)
  // Bumped to move focus to the authenticator code field (after it is rendered).
  const [focusTotp, setFocusTotp] = useState(0)
  useEffect(() => {
    if (focusTotp === 0) return
    const input = formRef.current?.elements.namedItem('totp_code')
    if (input instanceof HTMLInputElement) {
      input.focus()
      input.select()
    }
  }, [focusTotp])
  const signIn = useMutation({
    ...signInMutation(queryClient),
    onSuccess: (session) => {
      signInMutation(queryClient).onSuccess(session)
      if (invite) void navigate({ to: '/invite', search: { token: invite } })
      else if (redirect) void navigate({ href: redirect })
      else void navigate({ to: '/' })
    },
    onError: (error) => {
      const totp =
        error instanceof ApiError && (error.code === 'totp_required' || error.param === 'totp_code')
      // The first ask for a code is a prompt, not a mistake: the field and its hint appear.
      const firstAsk = error instanceof ApiError && error.code === 'totp_required'
      setErrors(firstAsk ? {} : splitServerError(error, ['email', 'password', 'totp_code']).fields)
      if (totp) {
        setAskTotp(true)
        setFocusTotp((count) => count + 1)
      }
    },
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const body = {
      email: formText(data, 'email'),
      password: String(data.get('password') ?? ''),
      ...(askTotp ? { totp_code: normalizeCode(formText(data, 'totp_code')) } : {}),
    }
    const parsed = signInBody.safeParse(body)
    if (!parsed.success) {
      setErrors(
        issuesToFieldErrors(parsed.error.issues, {
          email: 'Enter your email address.',
          password: 'Enter your password.',
          totp_code: 'Enter the 6-digit code from your authenticator app.',
        }),
      )
      return
    }
    setErrors({})
    signIn.mutate(parsed.data)
  }
  const formError = signIn.error && splitServerError(signIn.error, ['email', 'password', 'totp_code']).form
  return (
    <AuthShell title="Sign in">
      <form ref={formRef} onSubmit={submit} noValidate className="stack">
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
          autoComplete="current-password"
          required
          error={errors.password}
        />
        {askTotp ? (
          <TextField
            label="Authenticator code"
            name="totp_code"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={9}
            className="otp-input"
            hint="The 6-digit code your authenticator app shows for this account."
            error={errors.totp_code}
          />
        ) : null}
        {formError ? <ErrorMessage error={formError} /> : null}
        <Button type="submit" variant="primary" pending={signIn.isPending}>
          Sign in
        </Button>
      </form>
      <p className="auth-links">
        <Link to="/reset-password" search={{ token: undefined }}>
          Forgot your password?
        </Link>
        {bootData().signup !== 'closed' || invite ? (
          <Link to="/sign-up" search={{ invite }}>
            Create an account
          </Link>
        ) : null}
      </p>
    </AuthShell>
  )
}

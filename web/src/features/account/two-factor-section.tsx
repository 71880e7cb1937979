/** The Account page's two-factor section: set up with an authenticator app, turn on, turn off. */
import { twoFactorDisableBody, twoFactorEnableBody } from '@contracts/console-api.ts'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { ApiError } from '../../api/api-client.ts'
import { Button } from '../../ui/button.tsx'
import { CopyButton } from '../../ui/copy-button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { type FieldErrors, formText, issuesToFieldErrors, splitServerError } from '../../ui/form-errors.ts'
import { useToast } from '../../ui/toast.tsx'
import {
  refreshSession,
  twoFactorDisableMutation,
  twoFactorEnableMutation,
  twoFactorSetupMutation,
} from './account-queries.ts'
import { groupSecret, normalizeCode } from './two-factor-format.ts'

export function TwoFactorSection({ enabled }: { enabled: boolean }) {
  return (
    <section className="section" aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">Two-factor sign-in</h2>
      {enabled ? <TwoFactorOn /> : <TwoFactorOff />}
    </section>
  )
}

/** Off: start setup, add the key to an app, confirm with a first code. */
function TwoFactorOff() {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [errors, setErrors] = useState<FieldErrors>({})
  const setup = useMutation({
    ...twoFactorSetupMutation(),
    onSuccess: () => setErrors({}),
    onError: (error) => {
      // Already on (another tab): show the current state.
      if (error instanceof ApiError && error.status === 409) void refreshSession(queryClient)
    },
  })
  const enable = useMutation({
    ...twoFactorEnableMutation(queryClient),
    onSuccess: async () => {
      await twoFactorEnableMutation(queryClient).onSuccess()
      notify('Two-factor sign-in is on')
    },
    onError: (error) => setErrors(splitServerError(error, ['code']).fields),
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const parsed = twoFactorEnableBody.safeParse({ code: normalizeCode(formText(data, 'code')) })
    if (!parsed.success) {
      setErrors(
        issuesToFieldErrors(parsed.error.issues, {
          code: 'Enter the 6-digit code from your authenticator app.',
        }),
      )
      return
    }
    setErrors({})
    enable.mutate(parsed.data)
  }
  function cancel() {
    setup.reset()
    enable.reset()
    setErrors({})
  }
  const formError = enable.error ? splitServerError(enable.error, ['code']).form : null
  if (!setup.data) {
    return (
      <>
        <p>
          Two-factor sign-in is <strong>off</strong>. When it is on, signing in also asks for a 6-digit code
          from an authenticator app on your phone.
        </p>
        {setup.error ? <ErrorMessage error={setup.error} /> : null}
        <Button onClick={() => setup.mutate()} pending={setup.isPending}>
          Set up two-factor
        </Button>
      </>
    )
  }
  const { secret, otpauth_url: otpauthUrl } = setup.data
  return (
    <div className="two-factor-setup">
      <p>
        Add this key to your authenticator app (for example 1Password, Google Authenticator or Aegis), then
        enter the code it shows. Two-factor sign-in stays off until you do.
      </p>
      <dl className="two-factor-key">
        <div>
          <dt>Setup key</dt>
          <dd className="copy-row">
            <code className="code-inline totp-secret">{groupSecret(secret)}</code>
            <CopyButton text={secret} label="Copy key" />
          </dd>
        </div>
        <div>
          <dt>Or open this link on the device with your app</dt>
          <dd className="copy-row">
            <a className="otpauth-link" href={otpauthUrl}>
              {otpauthUrl}
            </a>
            <CopyButton text={otpauthUrl} label="Copy link" />
          </dd>
        </div>
      </dl>
      <form className="stack" onSubmit={submit} noValidate>
        <TextField
          label="Code"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={9}
          className="otp-input"
          hint="The 6-digit code your authenticator app shows for this account."
          error={errors.code}
        />
        {formError ? <ErrorMessage error={formError} /> : null}
        <div className="button-row">
          <Button type="submit" variant="primary" pending={enable.isPending}>
            Turn on
          </Button>
          <Button variant="ghost" onClick={cancel} disabled={enable.isPending}>
            Cancel
          </Button>
        </div>
      </form>
    </div>
  )
}

/** On: a status line and turning it off with the password. */
function TwoFactorOn() {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [errors, setErrors] = useState<FieldErrors>({})
  const disable = useMutation({
    ...twoFactorDisableMutation(queryClient),
    onSuccess: async () => {
      await twoFactorDisableMutation(queryClient).onSuccess()
      notify('Two-factor sign-in is off')
    },
    onError: (error) => setErrors(splitServerError(error, ['password']).fields),
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const parsed = twoFactorDisableBody.safeParse({ password: String(data.get('password') ?? '') })
    if (!parsed.success) {
      setErrors(issuesToFieldErrors(parsed.error.issues, { password: 'Enter your password.' }))
      return
    }
    setErrors({})
    disable.mutate(parsed.data)
  }
  const formError = disable.error ? splitServerError(disable.error, ['password']).form : null
  return (
    <>
      <p>
        <span className="badge badge-ok">On</span> Signing in asks for a code from your authenticator app.
      </p>
      <form className="stack" onSubmit={submit} noValidate aria-label="Turn off two-factor sign-in">
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          hint="To turn two-factor sign-in off, confirm with your password."
          error={errors.password}
        />
        {formError ? <ErrorMessage error={formError} /> : null}
        <Button type="submit" variant="danger" pending={disable.isPending}>
          Turn off
        </Button>
      </form>
    </>
  )
}

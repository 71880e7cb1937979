import { useMutation, useQueryClient } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { useEffect, useRef } from 'react'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { verifyEmailMutation } from './auth-queries.ts'
import { AuthShell } from './auth-shell.tsx'

const route = getRouteApi('/verify-email')

export function VerifyEmailPage() {
  const { token } = route.useSearch()
  const queryClient = useQueryClient()
  const verify = useMutation(verifyEmailMutation(queryClient))
  const sent = useRef(false)
  useEffect(() => {
    if (token && !sent.current) {
      sent.current = true
      verify.mutate(token)
    }
  }, [token, verify])
  return (
    <AuthShell title="Verify your email">
      {!token ? (
        <p>
          This link has no token. Open the link from the email again, or ask for a new one from the console.
        </p>
      ) : verify.isSuccess ? (
        <div role="status">
          <p>Your email address is verified.</p>
          <p>
            <Link to="/">Go to the console</Link>
          </p>
        </div>
      ) : verify.isError ? (
        <>
          <ErrorMessage error={verify.error} />
          <p>The link may have expired: sign in and choose Resend to get a new one.</p>
        </>
      ) : (
        <Skeleton lines={1} label="Verifying…" />
      )}
    </AuthShell>
  )
}

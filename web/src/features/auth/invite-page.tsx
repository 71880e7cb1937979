import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router'
import { sessionQuery } from '../../session/session-queries.ts'
import { Button } from '../../ui/button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { acceptInviteMutation } from './auth-queries.ts'
import { AuthShell } from './auth-shell.tsx'

const route = getRouteApi('/invite')

export function InvitePage() {
  const { token } = route.useSearch()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const session = useQuery(sessionQuery())
  const accept = useMutation({
    ...acceptInviteMutation(queryClient),
    onSuccess: (answer) => {
      acceptInviteMutation(queryClient).onSuccess(answer)
      void navigate({ to: '/' })
    },
  })
  if (!token) {
    return (
      <AuthShell title="Invitation">
        <p>This invitation link has no token. Open the link from the email again.</p>
      </AuthShell>
    )
  }
  return (
    <AuthShell title="Join a workspace">
      {session.isPending ? (
        <Skeleton lines={2} />
      ) : session.isError ? (
        <ErrorMessage error={session.error} onRetry={() => void session.refetch()} />
      ) : session.data ? (
        <>
          <p>
            You are signed in as <strong>{session.data.user.email}</strong>. Accept the invitation to join the
            workspace.
          </p>
          {accept.error ? <ErrorMessage error={accept.error} /> : null}
          <Button variant="primary" onClick={() => accept.mutate(token)} pending={accept.isPending}>
            Accept invitation
          </Button>
        </>
      ) : (
        <>
          <p>Sign in or create an account to accept this invitation.</p>
          <p className="auth-links">
            <Link to="/sign-in" search={{ redirect: undefined, invite: token }}>
              Sign in
            </Link>
            <Link to="/sign-up" search={{ invite: token }}>
              Sign up
            </Link>
          </p>
        </>
      )}
    </AuthShell>
  )
}

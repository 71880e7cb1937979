/**
 * The signed-in frame: skip link, sidebar (a top bar with a menu button on narrow screens),
 * workspace switcher, user menu, the email-verification banner, and focus on the page's <h1>
 * after each navigation.
 *
 * @module
 */
import type { SessionAnswer } from '@contracts/console-api.ts'
import { can } from '@contracts/permissions.ts'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, Outlet, useNavigate, useRouter, useRouterState } from '@tanstack/react-router'
import { type FormEvent, useEffect, useId, useState } from 'react'
import { bootData } from '../api/boot-data.ts'
import {
  createWorkspaceMutation,
  resendVerificationMutation,
  sessionQuery,
  signOutMutation,
  switchWorkspaceMutation,
} from '../session/session-queries.ts'
import { Button } from '../ui/button.tsx'
import { Dialog, FormDialogFooter } from '../ui/dialog.tsx'
import { ErrorMessage } from '../ui/error-message.tsx'
import { TextField } from '../ui/field.tsx'
import { splitServerError } from '../ui/form-errors.ts'
import { useToast } from '../ui/toast.tsx'

export function AppLayout() {
  const { data: session } = useQuery(sessionQuery())
  const navigate = useNavigate()
  const pathname = useRouterState({ select: (state) => state.location.pathname })
  const router = useRouter()
  useFocusHeadingOnNavigation()
  // The session ended (sign-out, expiry, revoked elsewhere): sign in again and come back here.
  const signedOut = session === null
  useEffect(() => {
    if (!signedOut) return
    const { href, pathname: path } = router.state.location
    if (path === '/sign-in') return
    void navigate({
      to: '/sign-in',
      search: { redirect: href === '/' ? undefined : href, invite: undefined },
    })
  }, [signedOut, navigate, router])
  if (!session) return null
  const needsWorkspace =
    session.workspace === null && !pathname.startsWith('/account') && !pathname.startsWith('/operator')
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Sidebar session={session} />
      <div className="app-main">
        {session.user.email_verified ? null : <VerifyBanner email={session.user.email} />}
        <main id="main" className="page" tabIndex={-1}>
          {needsWorkspace ? <NoWorkspace /> : <Outlet />}
        </main>
      </div>
    </div>
  )
}

function useFocusHeadingOnNavigation() {
  const router = useRouter()
  useEffect(
    () =>
      router.subscribe('onResolved', (event) => {
        if (!event.pathChanged || event.fromLocation === undefined) return
        window.requestAnimationFrame(() => {
          const heading = document.querySelector<HTMLElement>('main h1')
          heading?.focus({ preventScroll: false })
        })
      }),
    [router],
  )
}

interface NavItem {
  to: string
  label: string
  show: boolean
}

function Sidebar({ session }: { session: SessionAnswer }) {
  const [open, setOpen] = useState(false)
  const navId = useId()
  const pathname = useRouterState({ select: (state) => state.location.pathname })
  // Close the mobile menu after a navigation.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on path change only
  useEffect(() => setOpen(false), [pathname])
  const role = session.workspace?.role
  const allowed = (action: Parameters<typeof can>[1]) => role !== undefined && can(role, action)
  const workspaceItems: NavItem[] = [
    { to: '/', label: 'Overview', show: true },
    { to: '/activity', label: 'Activity', show: allowed('activity.read') },
    { to: '/logs', label: 'Logs', show: allowed('logs.read') },
    { to: '/keys', label: 'Keys', show: allowed('keys.read') },
    { to: '/playground', label: 'Playground', show: allowed('playground.use') && bootData().playground },
    { to: '/credits', label: 'Credits', show: allowed('credits.read') },
    { to: '/alerts', label: 'Budgets & alerts', show: allowed('alerts.read') },
    { to: '/byok', label: 'BYOK', show: allowed('byok.read') },
    { to: '/settings', label: 'Settings', show: allowed('workspace.read') },
    { to: '/members', label: 'Members', show: allowed('members.read') },
    { to: '/audit', label: 'Audit log', show: allowed('audit.read') },
  ]
  const operatorItems: NavItem[] = [
    { to: '/operator/workspaces', label: 'Workspaces', show: true },
    { to: '/operator/codes', label: 'Credit codes', show: true },
    { to: '/operator/providers', label: 'Providers', show: true },
    { to: '/operator/revenue', label: 'Revenue', show: true },
  ]
  return (
    <header className="sidebar">
      <div className="sidebar-top">
        <Link to="/" className="brand">
          {bootData().site_name}
        </Link>
        <button
          type="button"
          className="button button-ghost menu-button"
          aria-expanded={open}
          aria-controls={navId}
          onClick={() => setOpen((value) => !value)}
        >
          Menu
        </button>
      </div>
      <div id={navId} className={open ? 'sidebar-body open' : 'sidebar-body'}>
        <WorkspaceSwitcher session={session} />
        <nav aria-label="Console">
          <ul className="nav-list">
            {session.workspace === null
              ? null
              : workspaceItems
                  .filter((item) => item.show)
                  .map((item) => (
                    <li key={item.to}>
                      <Link to={item.to} className="nav-link" activeOptions={{ exact: item.to === '/' }}>
                        {item.label}
                      </Link>
                    </li>
                  ))}
          </ul>
          {session.user.operator ? (
            <>
              <h2 className="nav-group" id={`${navId}-operator`}>
                Operator
              </h2>
              <ul className="nav-list" aria-labelledby={`${navId}-operator`}>
                {operatorItems.map((item) => (
                  <li key={item.to}>
                    <Link to={item.to} className="nav-link">
                      {item.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </nav>
        <UserMenu session={session} />
      </div>
    </header>
  )
}

function WorkspaceSwitcher({ session }: { session: SessionAnswer }) {
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const notify = useToast()
  const selectId = useId()
  const [creating, setCreating] = useState(false)
  const switcher = useMutation({
    ...switchWorkspaceMutation(queryClient),
    onSuccess: (answer) => {
      switchWorkspaceMutation(queryClient).onSuccess(answer)
      notify(`Switched to ${answer.workspace?.name ?? 'workspace'}`)
      void navigate({ to: '/' })
    },
  })
  return (
    <div className="workspace-switcher">
      <label htmlFor={selectId}>Workspace</label>
      {session.workspaces.length > 0 ? (
        <select
          id={selectId}
          value={session.workspace?.id ?? ''}
          disabled={switcher.isPending}
          onChange={(event) => switcher.mutate(event.target.value)}
        >
          {session.workspace === null ? <option value="">Choose a workspace</option> : null}
          {session.workspaces.map((workspace) => (
            <option key={workspace.id} value={workspace.id}>
              {workspace.name} ({workspace.role})
            </option>
          ))}
        </select>
      ) : (
        <p className="muted small" id={selectId}>
          No workspace yet
        </p>
      )}
      {switcher.error ? <ErrorMessage error={switcher.error} /> : null}
      <Button size="small" variant="ghost" onClick={() => setCreating(true)}>
        New workspace
      </Button>
      <NewWorkspaceDialog open={creating} onClose={() => setCreating(false)} />
    </div>
  )
}

export function NewWorkspaceDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const notify = useToast()
  const [nameError, setNameError] = useState<string>()
  const create = useMutation({
    ...createWorkspaceMutation(queryClient),
    onSuccess: (answer) => {
      createWorkspaceMutation(queryClient).onSuccess(answer)
      notify(`Created ${answer.workspace?.name ?? 'the workspace'}`)
      onClose()
      void navigate({ to: '/' })
    },
    onError: (error) => setNameError(splitServerError(error, ['name']).fields.name),
  })
  const formId = useId()
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const name = String(new FormData(event.currentTarget).get('name') ?? '').trim()
    if (name === '' || name.length > 100) {
      setNameError('Enter a name of 1 to 100 characters.')
      return
    }
    setNameError(undefined)
    create.mutate(name)
  }
  const formError = create.error && splitServerError(create.error, ['name']).form
  return (
    <Dialog
      open={open}
      title="New workspace"
      onClose={onClose}
      locked={create.isPending}
      footer={
        <FormDialogFooter
          formId={formId}
          submitLabel="Create workspace"
          onCancel={onClose}
          pending={create.isPending}
        />
      }
    >
      <form id={formId} onSubmit={submit} noValidate>
        <TextField
          label="Workspace name"
          name="name"
          required
          maxLength={100}
          error={nameError}
          autoComplete="off"
        />
        {formError ? <ErrorMessage error={formError} /> : null}
      </form>
    </Dialog>
  )
}

function UserMenu({ session }: { session: SessionAnswer }) {
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const signOut = useMutation({
    ...signOutMutation(queryClient),
    onSettled: () => {
      signOutMutation(queryClient).onSettled()
      void navigate({ to: '/sign-in', search: { redirect: undefined, invite: undefined } })
    },
  })
  return (
    <details className="user-menu">
      <summary title="Account and sign out">{session.user.email}</summary>
      <ul>
        <li>
          <Link to="/account" className="nav-link">
            Account
          </Link>
        </li>
        <li>
          <Button variant="ghost" onClick={() => signOut.mutate()} pending={signOut.isPending}>
            Sign out
          </Button>
        </li>
      </ul>
    </details>
  )
}

function VerifyBanner({ email }: { email: string }) {
  const resend = useMutation(resendVerificationMutation())
  return (
    <aside className="banner" aria-label="Account notice">
      <p>
        Please verify your email address ({email}): open the link we sent you.{' '}
        {resend.isSuccess ? <strong>We sent a new link.</strong> : null}
      </p>
      <Button
        size="small"
        onClick={() => resend.mutate()}
        pending={resend.isPending}
        disabled={resend.isSuccess}
      >
        Resend
      </Button>
      {resend.error ? <ErrorMessage error={resend.error} /> : null}
    </aside>
  )
}

function NoWorkspace() {
  const [open, setOpen] = useState(false)
  return (
    <>
      <title>{`No workspace · ${bootData().site_name}`}</title>
      <h1 tabIndex={-1}>You are not in a workspace</h1>
      <p>Create a workspace to get API keys and credits, or ask a workspace owner to invite you.</p>
      <Button variant="primary" onClick={() => setOpen(true)}>
        New workspace
      </Button>
      <NewWorkspaceDialog open={open} onClose={() => setOpen(false)} />
    </>
  )
}

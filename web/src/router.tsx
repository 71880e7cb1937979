/**
 * Every console URL in one place. Pages are lazy chunks; the signed-in layout guards its
 * children in `beforeLoad` with the session query.
 *
 * @module
 */
import type { QueryClient } from '@tanstack/react-query'
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from '@tanstack/react-router'
import { AppLayout } from './layout/app-layout.tsx'
import { NotFound, RouteError } from './layout/route-error.tsx'
import { activitySearch, logsSearch, signInSearch, signUpSearch, tokenSearch } from './search-schemas.ts'
import { sessionQuery } from './session/session-queries.ts'

export interface RouterContext {
  queryClient: QueryClient
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFound,
})

// Signed-out pages.
const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: signInSearch,
  component: lazyRouteComponent(() => import('./features/auth/sign-in-page.tsx'), 'SignInPage'),
})
const signUpRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-up',
  validateSearch: signUpSearch,
  component: lazyRouteComponent(() => import('./features/auth/sign-up-page.tsx'), 'SignUpPage'),
})
const verifyEmailRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/verify-email',
  validateSearch: tokenSearch,
  component: lazyRouteComponent(() => import('./features/auth/verify-email-page.tsx'), 'VerifyEmailPage'),
})
const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset-password',
  validateSearch: tokenSearch,
  component: lazyRouteComponent(() => import('./features/auth/reset-password-page.tsx'), 'ResetPasswordPage'),
})
const inviteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/invite',
  validateSearch: tokenSearch,
  component: lazyRouteComponent(() => import('./features/auth/invite-page.tsx'), 'InvitePage'),
})

// Signed-in pages.
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: async ({ context, location }) => {
    const session = await context.queryClient.ensureQueryData(sessionQuery())
    if (session === null) {
      throw redirect({
        to: '/sign-in',
        search: { redirect: location.href === '/' ? undefined : location.href, invite: undefined },
      })
    }
  },
  component: AppLayout,
  errorComponent: RouteError,
})

function page<const TPath extends string, T extends Record<string, unknown>>(
  path: TPath,
  importer: () => Promise<T>,
  name: keyof T & string,
) {
  return createRoute({
    getParentRoute: () => appRoute,
    path,
    component: lazyRouteComponent(importer, name as never),
  })
}

const overviewRoute = page('/', () => import('./features/overview/overview-page.tsx'), 'OverviewPage')
export const activityRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/activity',
  validateSearch: activitySearch,
  component: lazyRouteComponent(() => import('./features/activity/activity-page.tsx'), 'ActivityPage'),
})
export const logsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/logs',
  validateSearch: logsSearch,
  component: lazyRouteComponent(() => import('./features/logs/logs-page.tsx'), 'LogsPage'),
})
export const logDetailRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/logs/$id',
  component: lazyRouteComponent(() => import('./features/logs/log-detail-page.tsx'), 'LogDetailPage'),
})
const keysRoute = page('/keys', () => import('./features/keys/keys-page.tsx'), 'KeysPage')
const playgroundRoute = page(
  '/playground',
  () => import('./features/playground/playground-page.tsx'),
  'PlaygroundPage',
)
const creditsRoute = page('/credits', () => import('./features/credits/credits-page.tsx'), 'CreditsPage')
const alertsRoute = page('/alerts', () => import('./features/alerts/alerts-page.tsx'), 'AlertsPage')
const byokRoute = page('/byok', () => import('./features/byok/byok-page.tsx'), 'ByokPage')
const settingsRoute = page('/settings', () => import('./features/settings/settings-page.tsx'), 'SettingsPage')
const membersRoute = page('/members', () => import('./features/members/members-page.tsx'), 'MembersPage')
const auditRoute = page('/audit', () => import('./features/audit/audit-page.tsx'), 'AuditPage')
const accountRoute = page('/account', () => import('./features/account/account-page.tsx'), 'AccountPage')
const operatorWorkspacesRoute = page(
  '/operator/workspaces',
  () => import('./features/operator/operator-workspaces-page.tsx'),
  'OperatorWorkspacesPage',
)
const operatorCodesRoute = page(
  '/operator/codes',
  () => import('./features/operator/operator-codes-page.tsx'),
  'OperatorCodesPage',
)
const operatorProvidersRoute = page(
  '/operator/providers',
  () => import('./features/operator/operator-providers-page.tsx'),
  'OperatorProvidersPage',
)
const operatorRevenueRoute = page(
  '/operator/revenue',
  () => import('./features/operator/operator-revenue-page.tsx'),
  'OperatorRevenuePage',
)

const routeTree = rootRoute.addChildren([
  signInRoute,
  signUpRoute,
  verifyEmailRoute,
  resetPasswordRoute,
  inviteRoute,
  appRoute.addChildren([
    overviewRoute,
    activityRoute,
    logsRoute,
    logDetailRoute,
    keysRoute,
    playgroundRoute,
    creditsRoute,
    alertsRoute,
    byokRoute,
    settingsRoute,
    membersRoute,
    auditRoute,
    accountRoute,
    operatorWorkspacesRoute,
    operatorCodesRoute,
    operatorProvidersRoute,
    operatorRevenueRoute,
  ]),
])

export function createConsoleRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    basepath: '/console',
    context: { queryClient },
    defaultPreload: 'intent',
    // Query data is cached by TanStack Query; the router only waits for chunks and guards.
    defaultPreloadStaleTime: 0,
    scrollRestoration: true,
  })
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createConsoleRouter>
  }
}

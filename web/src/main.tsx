import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { RouterProvider } from '@tanstack/react-router'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { ApiError, shouldRetry } from './api/api-client.ts'
import { createConsoleRouter } from './router.tsx'
import { forgetSession } from './session/session-queries.ts'
import { ToastProvider } from './ui/toast.tsx'
import './styles.css'

let router: ReturnType<typeof createConsoleRouter> | undefined

/** A 401 from any call: the session ended; sign in again and come back. */
function onError(error: unknown): void {
  if (!(error instanceof ApiError) || error.status !== 401 || router === undefined) return
  const here = router.state.location.href
  forgetSession(queryClient)
  if (router.state.location.pathname === '/sign-in') return
  void router.navigate({
    to: '/sign-in',
    search: { redirect: here === '/' ? undefined : here, invite: undefined },
  })
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  // Sign-in and password forms answer 401 for a wrong password: they say so themselves.
  mutationCache: new MutationCache({
    onError: (error, _variables, _context, mutation) => {
      if (mutation.meta?.authForm !== true) onError(error)
    },
  }),
  defaultOptions: {
    queries: { retry: shouldRetry, staleTime: 15_000, refetchOnWindowFocus: true },
    mutations: { retry: false },
  },
})

router = createConsoleRouter(queryClient)

const root = document.getElementById('root')
if (root === null) throw new Error('#root is missing from index.html')

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <RouterProvider router={router} />
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
)

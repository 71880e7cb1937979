import { Link } from '@tanstack/react-router'
import { ErrorMessage } from '../ui/error-message.tsx'

export function RouteError({ error, reset }: { error: unknown; reset: () => void }) {
  return (
    <main className="page" id="main">
      <h1 tabIndex={-1}>Something went wrong</h1>
      <ErrorMessage error={error} onRetry={reset} />
    </main>
  )
}

export function NotFound() {
  return (
    <main className="page narrow" id="main">
      <title>Not found</title>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>There is no console page at this address.</p>
      <p>
        <Link to="/">Go to the overview</Link>
      </p>
    </main>
  )
}

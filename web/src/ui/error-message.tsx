import { ApiError } from '../api/api-client.ts'
import { Button } from './button.tsx'

interface ErrorMessageProps {
  error: unknown
  /** Offers a Retry button (for failed reads). */
  onRetry?: () => void
}

/** A failed request: "no permission" for 403, otherwise the message and the request ID for support. */
export function ErrorMessage({ error, onRetry }: ErrorMessageProps) {
  if (error instanceof ApiError && error.status === 403) {
    return (
      <div className="alert alert-error" role="alert">
        <p>
          <strong>You don't have permission</strong> to see or change this. Ask a workspace owner or admin if
          you need access.
        </p>
        <p className="small">{error.message}</p>
      </div>
    )
  }
  const message = error instanceof Error ? error.message : 'Something went wrong.'
  const requestId = error instanceof ApiError ? error.requestId : null
  return (
    <div className="alert alert-error" role="alert">
      <p>{message}</p>
      {requestId ? (
        <p className="muted small">
          Request ID for support: <code>{requestId}</code>
        </p>
      ) : null}
      {onRetry ? (
        <Button size="small" onClick={onRetry}>
          Retry
        </Button>
      ) : null}
    </div>
  )
}

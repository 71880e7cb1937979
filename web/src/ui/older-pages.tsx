import { Button } from './button.tsx'
import { ErrorMessage } from './error-message.tsx'

/** What a paged list's footer needs: a failed page's error, and whether an older page exists. */
export interface OlderPagesProps {
  error: unknown
  hasMore: boolean
  loadingMore: boolean
  onOlder: () => void
}

/** Below a paged table: the error of a page that failed, and the "Older" button while there is more. */
export function OlderPages({ error, hasMore, loadingMore, onOlder }: OlderPagesProps) {
  return (
    <>
      {error ? <ErrorMessage error={error} /> : null}
      {hasMore ? (
        <Button onClick={onOlder} pending={loadingMore}>
          Older
        </Button>
      ) : null}
    </>
  )
}

import type { ReactNode } from 'react'
import { ErrorMessage } from './error-message.tsx'
import { OlderPages, type OlderPagesProps } from './older-pages.tsx'
import { Skeleton } from './skeleton.tsx'
import { TableWrap } from './table-wrap.tsx'

interface PagedTableProps<Item> extends OlderPagesProps {
  /** The rows loaded so far; undefined until the first page arrives. */
  items: Item[] | undefined
  isPending: boolean
  onRetry: () => void
  /** Placeholder lines while the first page loads. */
  skeletonLines: number
  /** What shows when there is nothing yet (an EmptyState). */
  empty: ReactNode
  /** The table's accessible name. */
  label: string
  /** The table for the rows loaded so far. */
  children: (items: Item[]) => ReactNode
}

/**
 * A paged list as a table: the first page's error (with Retry), a skeleton while it loads, the
 * empty state, or the table with the Older footer (a later page's error and the button).
 */
export function PagedTable<Item>({
  items,
  isPending,
  onRetry,
  skeletonLines,
  empty,
  label,
  children,
  ...pages
}: PagedTableProps<Item>) {
  if (pages.error && items === undefined) return <ErrorMessage error={pages.error} onRetry={onRetry} />
  if (isPending || items === undefined) return <Skeleton lines={skeletonLines} />
  if (items.length === 0) return empty
  return (
    <>
      <TableWrap label={label}>{children(items)}</TableWrap>
      <OlderPages {...pages} />
    </>
  )
}

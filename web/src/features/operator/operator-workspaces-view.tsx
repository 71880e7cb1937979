import { useId } from 'react'
import { formatDateTime } from '../../format/dates.ts'
import { Button } from '../../ui/button.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Money } from '../../ui/money.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import type { OperatorWorkspace } from './operator-queries.ts'

interface OperatorWorkspacesViewProps {
  workspaces: OperatorWorkspace[] | undefined
  defaultTier: string
  search: string
  isPending: boolean
  error: unknown
  onRetry: () => void
  onTopUp: (workspace: OperatorWorkspace) => void
  onTier: (workspace: OperatorWorkspace) => void
  onSuspend: (workspace: OperatorWorkspace) => void
}

/** Every workspace with its money, tier and state; each row's actions are described by its name. */
export function OperatorWorkspacesView({
  workspaces,
  defaultTier,
  search,
  isPending,
  error,
  onRetry,
  onTopUp,
  onTier,
  onSuspend,
}: OperatorWorkspacesViewProps) {
  const rowId = useId()
  if (error && workspaces === undefined) return <ErrorMessage error={error} onRetry={onRetry} />
  if (isPending || workspaces === undefined) return <Skeleton lines={6} label="Loading workspaces…" />
  if (workspaces.length === 0) {
    return (
      <EmptyState title={search === '' ? 'No workspaces yet' : `No workspace matches “${search}”`}>
        {search === ''
          ? 'Workspaces appear here when users sign up or you create them.'
          : 'Try part of the name or ID.'}
      </EmptyState>
    )
  }
  return (
    <>
      {error ? <ErrorMessage error={error} onRetry={onRetry} /> : null}
      <TableWrap label="Workspaces">
        <table>
          <caption className="visually-hidden">Workspaces, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Workspace</th>
              <th scope="col" className="num">
                Balance
              </th>
              <th scope="col" className="num">
                Held
              </th>
              <th scope="col" className="num">
                Spend 30 d
              </th>
              <th scope="col">Tier</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {workspaces.map((workspace) => {
              const nameId = `${rowId}-${workspace.id}`
              return (
                <tr key={workspace.id}>
                  <th scope="row" id={nameId}>
                    {workspace.name}
                    <div className="mono small muted">{workspace.id}</div>
                  </th>
                  <td className="num">
                    <Money amount={workspace.balance} />
                  </td>
                  <td className="num">
                    <Money amount={workspace.held} />
                  </td>
                  <td className="num">
                    <Money amount={workspace.spend_30d} />
                  </td>
                  <td>{workspace.tier ?? <span className="muted">default ({defaultTier})</span>}</td>
                  <td>
                    {workspace.suspended ? (
                      <span className="badge badge-error">suspended</span>
                    ) : (
                      <span className="badge badge-ok">active</span>
                    )}
                  </td>
                  <td>{formatDateTime(workspace.created_at)}</td>
                  <td>
                    <div className="page-actions">
                      <Button size="small" onClick={() => onTopUp(workspace)} aria-describedby={nameId}>
                        Top up
                      </Button>
                      <Button size="small" onClick={() => onTier(workspace)} aria-describedby={nameId}>
                        Change tier
                      </Button>
                      <Button
                        size="small"
                        variant={workspace.suspended ? 'secondary' : 'danger'}
                        onClick={() => onSuspend(workspace)}
                        aria-describedby={nameId}
                      >
                        {workspace.suspended ? 'Unsuspend' : 'Suspend'}
                      </Button>
                    </div>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </TableWrap>
    </>
  )
}

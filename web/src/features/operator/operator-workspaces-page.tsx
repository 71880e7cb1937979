import { useQuery } from '@tanstack/react-query'
import { useDeferredValue, useId, useState } from 'react'
import { PageHeader } from '../../ui/page-header.tsx'
import { type OperatorWorkspace, operatorWorkspacesQuery } from './operator-queries.ts'
import { OperatorWorkspacesView } from './operator-workspaces-view.tsx'
import { SuspendDialog, TierDialog, TopUpDialog } from './workspace-dialogs.tsx'

/** Operator: every workspace, searchable, with top-ups, tiers and suspension. */
export function OperatorWorkspacesPage() {
  const searchId = useId()
  const [search, setSearch] = useState('')
  // The query follows the typing without a request per keystroke blocking input.
  const deferredSearch = useDeferredValue(search.trim())
  const workspaces = useQuery(operatorWorkspacesQuery(deferredSearch))
  const [toppingUp, setToppingUp] = useState<OperatorWorkspace | null>(null)
  const [changingTier, setChangingTier] = useState<OperatorWorkspace | null>(null)
  const [suspending, setSuspending] = useState<OperatorWorkspace | null>(null)
  const defaultTier = workspaces.data?.default_tier ?? 'default'
  return (
    <>
      <PageHeader title="Operator: Workspaces" />
      <search className="filters">
        <div className="field">
          <label htmlFor={searchId}>Search workspaces</label>
          <input
            id={searchId}
            type="search"
            value={search}
            maxLength={200}
            autoComplete="off"
            placeholder="Name or ID"
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        {workspaces.isFetching && !workspaces.isPending ? (
          <span className="muted small" role="status">
            Updating…
          </span>
        ) : null}
      </search>
      <OperatorWorkspacesView
        workspaces={workspaces.data?.data}
        defaultTier={defaultTier}
        search={deferredSearch}
        isPending={workspaces.isPending}
        error={workspaces.error}
        onRetry={() => void workspaces.refetch()}
        onTopUp={setToppingUp}
        onTier={setChangingTier}
        onSuspend={setSuspending}
      />
      <TopUpDialog workspace={toppingUp} onClose={() => setToppingUp(null)} />
      <TierDialog
        workspace={changingTier}
        tiers={workspaces.data?.tiers ?? []}
        defaultTier={defaultTier}
        onClose={() => setChangingTier(null)}
      />
      <SuspendDialog workspace={suspending} onClose={() => setSuspending(null)} />
    </>
  )
}

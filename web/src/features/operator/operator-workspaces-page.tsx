import { PageHeader } from '../../ui/page-header.tsx'

/** Placeholder: the operator's Workspaces page is built separately. */
export function OperatorWorkspacesPage() {
  return (
    <>
      <PageHeader title="Operator: Workspaces" />
      <p className="muted">This operator page is not available yet.</p>
    </>
  )
}

import { PageHeader } from '../../ui/page-header.tsx'

/** Placeholder: the operator's Providers page is built separately. */
export function OperatorProvidersPage() {
  return (
    <>
      <PageHeader title="Operator: Providers" />
      <p className="muted">This operator page is not available yet.</p>
    </>
  )
}

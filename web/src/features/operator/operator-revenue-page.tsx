import { PageHeader } from '../../ui/page-header.tsx'

/** Placeholder: the operator's Revenue page is built separately. */
export function OperatorRevenuePage() {
  return (
    <>
      <PageHeader title="Operator: Revenue" />
      <p className="muted">This operator page is not available yet.</p>
    </>
  )
}

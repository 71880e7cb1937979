import { PageHeader } from '../../ui/page-header.tsx'

/** Placeholder: the operator's Credit codes page is built separately. */
export function OperatorCodesPage() {
  return (
    <>
      <PageHeader title="Operator: Credit codes" />
      <p className="muted">This operator page is not available yet.</p>
    </>
  )
}

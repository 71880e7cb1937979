import { PageHeader } from '../../ui/page-header.tsx'

export function ByokPage() {
  return <PageHeader title="BYOK keys" />
}

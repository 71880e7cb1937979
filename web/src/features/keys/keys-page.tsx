import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useCan } from '../../session/use-session.ts'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/dialog.tsx'
import { PageHeader } from '../../ui/page-header.tsx'
import { useToast } from '../../ui/toast.tsx'
import { KeyBudgetDialog } from '../budgets/key-budget-dialog.tsx'
import { CreateKeyDialog, ShowKeyDialog } from './key-dialogs.tsx'
import { type ApiKey, type CreatedKey, keysQuery, revokeKeyMutation } from './keys-queries.ts'
import { KeysView } from './keys-view.tsx'

export function KeysPage() {
  const canWrite = useCan('keys.write')
  const canBudget = useCan('budgets.write')
  const queryClient = useQueryClient()
  const notify = useToast()
  const keys = useQuery(keysQuery())
  const [creating, setCreating] = useState(false)
  const [created, setCreated] = useState<CreatedKey | null>(null)
  const [revoking, setRevoking] = useState<ApiKey | null>(null)
  const [limiting, setLimiting] = useState<ApiKey | null>(null)
  const revoke = useMutation({
    ...revokeKeyMutation(queryClient),
    onSuccess: (key) => {
      revokeKeyMutation(queryClient).onSuccess()
      notify(`Key “${key.name}” revoked`)
      setRevoking(null)
    },
  })
  return (
    <>
      <PageHeader title="API keys">
        {canWrite ? (
          <Button variant="primary" onClick={() => setCreating(true)}>
            Create key
          </Button>
        ) : null}
      </PageHeader>
      <KeysView
        keys={keys.data?.data}
        isPending={keys.isPending}
        error={keys.error}
        onRetry={() => void keys.refetch()}
        canWrite={canWrite}
        canBudget={canBudget}
        onSetLimit={setLimiting}
        onRevoke={(key) => {
          revoke.reset()
          setRevoking(key)
        }}
      />
      {canWrite ? (
        <CreateKeyDialog
          open={creating}
          onClose={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false)
            setCreated(key)
          }}
        />
      ) : null}
      {canBudget ? <KeyBudgetDialog target={limiting} onClose={() => setLimiting(null)} /> : null}
      <ShowKeyDialog created={created} onClose={() => setCreated(null)} />
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        confirmLabel="Revoke"
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        onClose={() => setRevoking(null)}
        pending={revoke.isPending}
        error={revoke.error}
      >
        <p>
          Requests with <strong>{revoking?.name}</strong> (<code>{revoking?.prefix}…</code>) will be refused
          from now on. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  )
}

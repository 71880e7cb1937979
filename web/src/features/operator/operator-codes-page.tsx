import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/dialog.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { type FieldErrors, formText, splitServerError } from '../../ui/form-errors.ts'
import { PageHeader } from '../../ui/page-header.tsx'
import { useToast } from '../../ui/toast.tsx'
import { CodesList, ShowCodesDialog } from './operator-codes-view.tsx'
import { buildCodesBody } from './operator-forms.ts'
import {
  type CodeBatch,
  type CreditCode,
  createCodesMutation,
  creditCodesQuery,
  revokeCodeMutation,
} from './operator-queries.ts'

const FIELDS = ['amount', 'count', 'expires_in_days', 'note']

/** Operator: create batches of credit codes (shown once), list them, revoke unused ones. */
export function OperatorCodesPage() {
  const queryClient = useQueryClient()
  const notify = useToast()
  const codes = useInfiniteQuery(creditCodesQuery())
  const [created, setCreated] = useState<CodeBatch | null>(null)
  const [revoking, setRevoking] = useState<CreditCode | null>(null)
  const revoke = useMutation({
    ...revokeCodeMutation(queryClient),
    onSuccess: (code) => {
      revokeCodeMutation(queryClient).onSuccess()
      notify(`Code ${code.prefix}… revoked`)
      setRevoking(null)
    },
  })
  return (
    <>
      <PageHeader title="Operator: Credit codes" />
      <CreateCodesForm onCreated={setCreated} />
      <section className="section" aria-labelledby="codes-heading">
        <h2 id="codes-heading">Codes</h2>
        <CodesList
          codes={codes.data?.pages.flatMap((page) => page.data)}
          isPending={codes.isPending}
          error={codes.error}
          onRetry={() => void codes.refetch()}
          hasMore={codes.hasNextPage}
          loadingMore={codes.isFetchingNextPage}
          onOlder={() => void codes.fetchNextPage()}
          onRevoke={(code) => {
            revoke.reset()
            setRevoking(code)
          }}
        />
      </section>
      <ShowCodesDialog batch={created} onClose={() => setCreated(null)} />
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this code?"
        confirmLabel="Revoke"
        onConfirm={() => revoking && revoke.mutate(revoking.prefix)}
        onClose={() => setRevoking(null)}
        pending={revoke.isPending}
        error={revoke.error}
      >
        <p>
          The code <code>{revoking?.prefix}…</code> can no longer be redeemed. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  )
}

function CreateCodesForm({ onCreated }: { onCreated: (batch: CodeBatch) => void }) {
  const queryClient = useQueryClient()
  const [errors, setErrors] = useState<FieldErrors>({})
  const create = useMutation({
    ...createCodesMutation(queryClient),
    onSuccess: (batch) => {
      createCodesMutation(queryClient).onSuccess()
      setErrors({})
      onCreated(batch)
    },
    onError: (error) => setErrors(splitServerError(error, FIELDS).fields),
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = event.currentTarget
    const data = new FormData(form)
    const result = buildCodesBody({
      amount: formText(data, 'amount'),
      count: formText(data, 'count'),
      expiresInDays: formText(data, 'expires_in_days'),
      note: formText(data, 'note'),
    })
    if ('errors' in result) {
      setErrors(result.errors)
      return
    }
    setErrors({})
    create.mutate(result.body, { onSuccess: () => form.reset() })
  }
  const formError = create.error ? splitServerError(create.error, FIELDS).form : null
  return (
    <section className="section" aria-labelledby="create-codes-heading">
      <h2 id="create-codes-heading">Create a batch</h2>
      <form className="stack" onSubmit={submit} noValidate>
        <div className="grid-3">
          <TextField
            label="Amount"
            name="amount"
            inputMode="decimal"
            autoComplete="off"
            placeholder="5.00"
            hint="USD per code."
            error={errors.amount}
          />
          <TextField
            label="Count"
            name="count"
            inputMode="numeric"
            autoComplete="off"
            defaultValue="1"
            hint="1 to 1000."
            error={errors.count}
          />
          <TextField
            label="Expires in days (optional)"
            name="expires_in_days"
            inputMode="numeric"
            autoComplete="off"
            hint="Empty: never expires."
            error={errors.expires_in_days}
          />
        </div>
        <TextField
          label="Note (optional)"
          name="note"
          maxLength={500}
          autoComplete="off"
          hint="Shown with the new codes, e.g. the campaign they are for; not stored."
          error={errors.note}
        />
        {formError ? <ErrorMessage error={formError} /> : null}
        <div>
          <Button type="submit" variant="primary" pending={create.isPending}>
            Create codes
          </Button>
        </div>
      </form>
    </section>
  )
}

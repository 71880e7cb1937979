import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useCan } from '../../session/use-session.ts'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/dialog.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { type FieldErrors, splitServerError } from '../../ui/form-errors.ts'
import { PageHeader } from '../../ui/page-header.tsx'
import { useToast } from '../../ui/toast.tsx'
import {
  type ByokTestAnswer,
  byokQuery,
  deleteByokMutation,
  PROVIDER_PATTERN,
  putByokMutation,
  testByokMutation,
} from './byok-queries.ts'
import { ByokView } from './byok-view.tsx'

export function ByokPage() {
  const canWrite = useCan('byok.write')
  const queryClient = useQueryClient()
  const notify = useToast()
  const list = useQuery(byokQuery())
  const [deleting, setDeleting] = useState<string | null>(null)
  const [results, setResults] = useState<Record<string, ByokTestAnswer | { error: unknown } | 'pending'>>({})
  const remove = useMutation({
    ...deleteByokMutation(queryClient),
    onSuccess: (answer) => {
      deleteByokMutation(queryClient).onSuccess()
      notify(`Deleted the ${answer.provider} key`)
      setDeleting(null)
    },
  })
  const tester = useMutation(testByokMutation())
  function test(provider: string) {
    setResults((current) => ({ ...current, [provider]: 'pending' }))
    tester.mutate(provider, {
      onSuccess: (answer) => setResults((current) => ({ ...current, [provider]: answer })),
      onError: (error) => setResults((current) => ({ ...current, [provider]: { error } })),
    })
  }
  return (
    <>
      <PageHeader title="BYOK provider keys" />
      <p>
        Bring your own key: requests to <code>byok/&lt;provider&gt;/…</code> models use your provider account
        and are not charged against your credits. Keys are stored encrypted; only a hint is ever shown.
      </p>
      <ByokView
        credentials={list.data?.data}
        isPending={list.isPending}
        error={list.error}
        onRetry={() => void list.refetch()}
        canWrite={canWrite}
        onDelete={(provider) => {
          remove.reset()
          setDeleting(provider)
        }}
        onTest={test}
        results={results}
      />
      {canWrite ? <StoreKeyForm /> : null}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete the ${deleting ?? ''} key?`}
        confirmLabel="Delete"
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
        pending={remove.isPending}
        error={remove.error}
      >
        <p>
          Requests to <code>byok/{deleting}/…</code> models will fail until you store a new key.
        </p>
      </ConfirmDialog>
    </>
  )
}

function StoreKeyForm() {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [errors, setErrors] = useState<FieldErrors>({})
  const put = useMutation({
    ...putByokMutation(queryClient),
    onSuccess: (saved) => {
      putByokMutation(queryClient).onSuccess()
      notify(`Stored the ${saved.provider} key (${saved.hint})`)
    },
    onError: (error) => {
      const split = splitServerError(error, ['provider', 'api_key'])
      setErrors(split.fields)
    },
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = event.currentTarget
    const data = new FormData(form)
    const provider = String(data.get('provider') ?? '')
      .trim()
      .toLowerCase()
    const apiKey = String(data.get('api_key') ?? '').trim()
    const found: FieldErrors = {}
    if (!PROVIDER_PATTERN.test(provider))
      found.provider = 'Enter a provider name such as openai or anthropic.'
    if (apiKey === '') found.api_key = "Paste the provider's API key."
    setErrors(found)
    if (Object.keys(found).length > 0) return
    put.mutate({ provider, apiKey }, { onSuccess: () => form.reset() })
  }
  const formError = put.error ? splitServerError(put.error, ['provider', 'api_key']).form : null
  return (
    <section className="section" aria-labelledby="store-heading">
      <h2 id="store-heading">Store or replace a key</h2>
      <form className="stack" onSubmit={submit} noValidate>
        <TextField
          label="Provider"
          name="provider"
          autoComplete="off"
          spellCheck={false}
          hint="As in the model ID byok/<provider>/…, e.g. openai."
          error={errors.provider}
        />
        <TextField
          label="Provider API key"
          name="api_key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          hint="Replaces any key stored for this provider."
          error={errors.api_key}
        />
        {formError ? <ErrorMessage error={formError} /> : null}
        <Button type="submit" variant="primary" pending={put.isPending}>
          Save key
        </Button>
      </form>
    </section>
  )
}

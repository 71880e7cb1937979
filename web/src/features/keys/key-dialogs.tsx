import { useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useId } from 'react'
import { Button } from '../../ui/button.tsx'
import { CopyButton } from '../../ui/copy-button.tsx'
import { Dialog, FormDialogFooter } from '../../ui/dialog.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Checkbox, Field, TextField } from '../../ui/field.tsx'
import { useFormMutation } from '../../ui/use-form-mutation.ts'
import { ALL_LANES, buildKeyBody, type CreatedKey, createKeyMutation } from './keys-queries.ts'

const FIELDS = [
  'name',
  'lanes',
  'models',
  'expires_in_days',
  'limits',
  'rpm',
  'tpm',
  'concurrency',
  'management',
]

interface CreateKeyDialogProps {
  open: boolean
  onClose: () => void
  onCreated: (key: CreatedKey) => void
}

export function CreateKeyDialog({ open, onClose, onCreated }: CreateKeyDialogProps) {
  const queryClient = useQueryClient()
  const formId = useId()
  const lanesId = useId()
  const form = useFormMutation(createKeyMutation(queryClient), FIELDS, (key) => onCreated(key))
  const { errors } = form
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const text = (name: string) => String(data.get(name) ?? '')
    const checked = buildKeyBody({
      name: text('name'),
      lanes: data.getAll('lanes').map(String),
      models: text('models'),
      expiresInDays: text('expires_in_days'),
      rpm: text('rpm'),
      tpm: text('tpm'),
      concurrency: text('concurrency'),
      management: data.get('management') === 'on',
    })
    form.send(checked, (body) => body)
  }
  const close = () => {
    form.reset()
    onClose()
  }
  return (
    <Dialog
      open={open}
      title="Create API key"
      onClose={close}
      locked={form.mutation.isPending}
      footer={
        <FormDialogFooter
          formId={formId}
          submitLabel="Create key"
          onCancel={close}
          pending={form.mutation.isPending}
        />
      }
    >
      <form id={formId} onSubmit={submit} noValidate className="stack">
        <TextField
          label="Key name"
          name="name"
          required
          maxLength={100}
          autoComplete="off"
          error={errors.name}
        />
        <fieldset className="fieldset" aria-describedby={errors.lanes ? `${lanesId}-error` : undefined}>
          <legend>Lanes</legend>
          {ALL_LANES.map((lane) => (
            <Checkbox key={lane} name="lanes" value={lane} defaultChecked label={lane} />
          ))}
          {errors.lanes ? (
            <p className="field-error" id={`${lanesId}-error`}>
              {errors.lanes}
            </p>
          ) : null}
        </fieldset>
        <Field
          label="Model patterns (optional)"
          hint="One per line or comma separated, e.g. cheap/llama-*. Empty allows every model."
          error={errors.models}
        >
          {(control) => <textarea name="models" rows={3} {...control} />}
        </Field>
        <TextField
          label="Expires in days (optional)"
          name="expires_in_days"
          inputMode="numeric"
          hint="Empty: never expires."
          error={errors.expires_in_days}
        />
        <fieldset className="fieldset">
          <legend>Limits (optional)</legend>
          <div className="grid-3">
            <TextField
              label="Requests per minute"
              name="rpm"
              inputMode="numeric"
              error={errors.rpm ?? errors.limits}
            />
            <TextField label="Tokens per minute" name="tpm" inputMode="numeric" error={errors.tpm} />
            <TextField
              label="Concurrent requests"
              name="concurrency"
              inputMode="numeric"
              error={errors.concurrency}
            />
          </div>
        </fieldset>
        <Checkbox
          name="management"
          label="Management key"
          hint="Can manage this workspace through the API (keys, BYOK, settings). Leave off for applications."
        />
        {form.formError ? <ErrorMessage error={form.formError} /> : null}
      </form>
    </Dialog>
  )
}

export function ShowKeyDialog({ created, onClose }: { created: CreatedKey | null; onClose: () => void }) {
  const keyId = useId()
  return (
    <Dialog
      open={created !== null}
      title="Your new API key"
      onClose={onClose}
      footer={
        <Button variant="primary" onClick={onClose}>
          I have copied the key
        </Button>
      }
    >
      <div className="alert alert-warning">
        <p>
          <strong>Copy this key now.</strong> It is shown only once: we store a hash, so it cannot be shown
          again.
        </p>
      </div>
      <label htmlFor={keyId}>API key “{created?.name}”</label>
      <div className="copy-row">
        <input
          id={keyId}
          className="mono secret"
          readOnly
          value={created?.key ?? ''}
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={created?.key ?? ''} label="Copy key" />
      </div>
    </Dialog>
  )
}

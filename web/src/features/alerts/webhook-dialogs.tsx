import { useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useId } from 'react'
import { Button } from '../../ui/button.tsx'
import { CopyButton } from '../../ui/copy-button.tsx'
import { Dialog, FormDialogFooter } from '../../ui/dialog.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Checkbox, TextField } from '../../ui/field.tsx'
import { formText } from '../../ui/form-errors.ts'
import { useFormMutation } from '../../ui/use-form-mutation.ts'
import {
  ALERT_KIND_LABEL,
  ALERT_KINDS,
  type AlertWebhookCreated,
  buildWebhookBody,
  createWebhookMutation,
} from './alerts-queries.ts'

const FIELDS = ['url', 'events']

interface AddWebhookDialogProps {
  open: boolean
  onClose: () => void
  onCreated: (webhook: AlertWebhookCreated) => void
}

/** "Add webhook": the receiver's URL and the kinds of alert it gets (all by default). */
export function AddWebhookDialog({ open, onClose, onCreated }: AddWebhookDialogProps) {
  const queryClient = useQueryClient()
  const formId = useId()
  const eventsId = useId()
  const form = useFormMutation(createWebhookMutation(queryClient), FIELDS, (webhook) => onCreated(webhook))
  const { errors } = form
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    form.send(
      buildWebhookBody({ url: formText(data, 'url'), events: data.getAll('events').map(String) }),
      (body) => body,
    )
  }
  const close = () => {
    form.reset()
    onClose()
  }
  return (
    <Dialog
      open={open}
      title="Add webhook"
      onClose={close}
      locked={form.mutation.isPending}
      footer={
        <FormDialogFooter
          formId={formId}
          submitLabel="Add webhook"
          onCancel={close}
          pending={form.mutation.isPending}
        />
      }
    >
      <form id={formId} onSubmit={submit} noValidate className="stack">
        <TextField
          label="Endpoint URL"
          name="url"
          type="url"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          placeholder="https://example.com/onekey"
          required
          hint="An https address on the public internet. Alerts are POSTed as signed JSON."
          error={errors.url}
        />
        <fieldset className="fieldset" aria-describedby={errors.events ? `${eventsId}-error` : undefined}>
          <legend>Alerts to send</legend>
          {ALERT_KINDS.map((kind) => (
            <Checkbox
              key={kind}
              name="events"
              value={kind}
              defaultChecked
              label={
                <>
                  {ALERT_KIND_LABEL[kind]} <code className="muted">{kind}</code>
                </>
              }
            />
          ))}
          {errors.events ? (
            <p className="field-error" id={`${eventsId}-error`}>
              {errors.events}
            </p>
          ) : null}
        </fieldset>
        {form.formError ? <ErrorMessage error={form.formError} /> : null}
      </form>
    </Dialog>
  )
}

/** The new webhook's signing secret, shown once, and how to check a delivery's signature with it. */
export function WebhookSecretDialog({
  created,
  onClose,
}: {
  created: AlertWebhookCreated | null
  onClose: () => void
}) {
  const secretId = useId()
  return (
    <Dialog
      open={created !== null}
      title="Webhook added"
      onClose={onClose}
      footer={
        <Button variant="primary" onClick={onClose}>
          I have copied the secret
        </Button>
      }
    >
      <div className="alert alert-warning">
        <p>
          <strong>Copy the signing secret now.</strong> It is shown only once and cannot be shown again.
        </p>
      </div>
      <p className="small">
        Alerts go to <code className="break">{created?.url}</code>.
      </p>
      <label htmlFor={secretId}>Signing secret</label>
      <div className="copy-row">
        <input
          id={secretId}
          className="mono secret"
          readOnly
          value={created?.secret ?? ''}
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={created?.secret ?? ''} label="Copy secret" />
      </div>
      <details className="disclosure">
        <summary>How to verify a delivery</summary>
        <p className="small">
          Each request carries <code>onekey-signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</code>.{' '}
          <code>v1</code> is the HMAC-SHA256, keyed with this secret, of the timestamp, a dot and the raw
          request body (<code>t + "." + body</code>), in lowercase hex. Compare it in constant time and refuse
          timestamps more than 5 minutes old. Deduplicate retries by the <code>onekey-event-id</code> header.
          The full scheme and a Node.js example are in the gateway's documentation,{' '}
          <cite>Alerts → Verifying the signature</cite> (<code>docs/alerts.md</code>).
        </p>
      </details>
    </Dialog>
  )
}

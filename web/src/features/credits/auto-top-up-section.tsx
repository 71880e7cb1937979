import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { ApiError } from '../../api/api-client.ts'
import { formatUtc } from '../../format/dates.ts'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/dialog.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Checkbox, TextField } from '../../ui/field.tsx'
import { type FieldErrors, formText, splitServerError } from '../../ui/form-errors.ts'
import { Money } from '../../ui/money.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { useToast } from '../../ui/toast.tsx'
import { buildAutoTopUpBody, cardLabel } from './credits-checkout.ts'
import {
  type AutoTopUp,
  autoTopUpQuery,
  type CheckoutPreview,
  forgetCardMutation,
  updateAutoTopUpMutation,
} from './credits-queries.ts'

const FIELDS = ['enabled', 'threshold', 'amount']

/** The API's refusal to enable without a card, said the way the page offers to fix it. */
function friendlyErrors(error: unknown): { fields: FieldErrors; form: unknown } {
  const split = splitServerError(error, FIELDS)
  if (error instanceof ApiError && error.param === 'enabled')
    return {
      fields: {
        enabled: 'Save a card first: tick “Save this card for auto top-up” when you buy credits above.',
      },
      form: null,
    }
  return split
}

/** "Auto top-up": the saved card, the on/off switch, the threshold and amount, failures. */
export function AutoTopUpSection({ limits, canBuy }: { limits: CheckoutPreview; canBuy: boolean }) {
  const autoTopUp = useQuery(autoTopUpQuery())
  return (
    <section className="section" aria-labelledby="auto-top-up-heading">
      <h2 id="auto-top-up-heading">Auto top-up</h2>
      <p className="muted small">
        When the available balance falls below the threshold, the saved card is charged for the amount (plus
        the purchase fee), at most once in a while. Failed charges are reported as alerts; after several in a
        row auto top-up switches itself off.
      </p>
      {autoTopUp.error ? (
        <ErrorMessage error={autoTopUp.error} onRetry={() => void autoTopUp.refetch()} />
      ) : autoTopUp.isPending ? (
        <Skeleton lines={3} />
      ) : (
        <AutoTopUpView settings={autoTopUp.data} limits={limits} canBuy={canBuy} />
      )}
    </section>
  )
}

function AutoTopUpView({
  settings,
  limits,
  canBuy,
}: {
  settings: AutoTopUp
  limits: CheckoutPreview
  canBuy: boolean
}) {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [errors, setErrors] = useState<FieldErrors>({})
  const [forgetting, setForgetting] = useState(false)
  const update = useMutation({
    ...updateAutoTopUpMutation(queryClient),
    onSuccess: (saved) => {
      updateAutoTopUpMutation(queryClient).onSuccess(saved)
      setErrors({})
      notify(saved.enabled ? 'Auto top-up is on' : 'Auto top-up settings saved (off)')
    },
    onError: (error) => setErrors(friendlyErrors(error).fields),
  })
  const forget = useMutation({
    ...forgetCardMutation(queryClient),
    onSuccess: (saved) => {
      forgetCardMutation(queryClient).onSuccess(saved)
      notify('Card forgotten; auto top-up is off')
      setForgetting(false)
    },
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const result = buildAutoTopUpBody({
      enabled: data.get('enabled') === 'on',
      threshold: formText(data, 'threshold'),
      amount: formText(data, 'amount'),
    })
    if ('errors' in result) {
      setErrors(result.errors)
      return
    }
    setErrors({})
    update.mutate(result.body)
  }
  const formError = update.error ? friendlyErrors(update.error).form : null
  return (
    <div className="stack">
      <dl className="details-list">
        <div>
          <dt>Status</dt>
          <dd>
            {settings.enabled ? (
              <span className="badge badge-ok">on</span>
            ) : (
              <span className="badge">off</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Saved card</dt>
          <dd>
            {settings.card ? (
              <span className="card-label">{cardLabel(settings.card)}</span>
            ) : (
              <span>No saved card — tick “Save this card for auto top-up” when you buy credits.</span>
            )}
          </dd>
        </div>
        {settings.last_attempt_at ? (
          <div>
            <dt>Last attempt</dt>
            <dd>{formatUtc(settings.last_attempt_at)}</dd>
          </div>
        ) : null}
      </dl>
      {settings.failures > 0 ? (
        <div className="alert alert-error" role="status">
          <p>
            The last {settings.failures === 1 ? 'charge' : `${settings.failures} charges`} of the saved card
            failed. Check the card with your bank, or save another card by buying credits.
          </p>
        </div>
      ) : null}
      {!settings.enabled && settings.disabled_reason ? (
        <div className="alert alert-warning" role="status">
          <p>
            <strong>Auto top-up was switched off:</strong> {settings.disabled_reason.replace(/\.$/, '')}.
          </p>
        </div>
      ) : null}
      {canBuy ? (
        <form className="stack" onSubmit={submit} noValidate key={JSON.stringify(settings)}>
          <Checkbox
            name="enabled"
            label="Top up automatically"
            defaultChecked={settings.enabled}
            hint={settings.card ? undefined : 'Needs a saved card.'}
            error={errors.enabled}
          />
          <div className="grid-2 grid-narrow">
            <TextField
              label="Top-up threshold (USD)"
              name="threshold"
              inputMode="decimal"
              autoComplete="off"
              placeholder="5.00"
              defaultValue={settings.threshold ?? ''}
              hint="Top up when the available balance falls below this."
              error={errors.threshold}
            />
            <TextField
              label="Top-up amount (USD)"
              name="amount"
              inputMode="decimal"
              autoComplete="off"
              placeholder="20.00"
              defaultValue={settings.amount ?? ''}
              hint={
                <>
                  Credits to buy each time: <Money amount={limits.minimum} precision="cost" /> to{' '}
                  <Money amount={limits.maximum} precision="cost" />, plus the purchase fee.
                </>
              }
              error={errors.amount}
            />
          </div>
          {formError ? <ErrorMessage error={formError} /> : null}
          <div className="button-row">
            <Button type="submit" variant="primary" pending={update.isPending}>
              Save auto top-up
            </Button>
            {settings.card ? (
              <Button
                variant="danger"
                onClick={() => {
                  forget.reset()
                  setForgetting(true)
                }}
              >
                Forget card
              </Button>
            ) : null}
          </div>
        </form>
      ) : (
        <p className="muted small">Only owners, admins and billing members can change auto top-up.</p>
      )}
      <ConfirmDialog
        open={forgetting}
        title="Forget the saved card?"
        confirmLabel="Forget card"
        onConfirm={() => forget.mutate()}
        onClose={() => setForgetting(false)}
        pending={forget.isPending}
        error={forget.error}
      >
        <p>
          {settings.card ? cardLabel(settings.card) : 'The card'} is removed from this workspace and auto
          top-up switches off. You can save a card again with your next purchase.
        </p>
      </ConfirmDialog>
    </div>
  )
}

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useCan } from '../../session/use-session.ts'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/dialog.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Checkbox, TextField } from '../../ui/field.tsx'
import { formText, splitServerError } from '../../ui/form-errors.ts'
import { PageHeader } from '../../ui/page-header.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { useToast } from '../../ui/toast.tsx'
import { limitFieldValue } from '../budgets/budgets-queries.ts'
import { WorkspaceBudgetSection } from '../budgets/workspace-budget-section.tsx'
import {
  type AlertSettings,
  type AlertWebhookCreated,
  type AlertWebhookSummary,
  alertSettingsQuery,
  DELIVERIES_POLL_MS,
  deleteWebhookMutation,
  deliveriesQuery,
  hasPending,
  parseThreshold,
  testWebhookMutation,
  updateAlertSettingsMutation,
  webhooksQuery,
} from './alerts-queries.ts'
import { DeliveriesView, WebhooksView } from './alerts-view.tsx'
import { AddWebhookDialog, WebhookSecretDialog } from './webhook-dialogs.tsx'

/** Budgets & alerts: the workspace's monthly limit, the balance alert, webhooks and the delivery log. */
export function AlertsPage() {
  const canBudget = useCan('budgets.write')
  const canWrite = useCan('alerts.write')
  return (
    <>
      <PageHeader title="Budgets and alerts" />
      <WorkspaceBudgetSection canWrite={canBudget} />
      <AlertSettingsSection canWrite={canWrite} />
      <WebhooksSection canWrite={canWrite} />
      <DeliveriesSection />
    </>
  )
}

function AlertSettingsSection({ canWrite }: { canWrite: boolean }) {
  const settings = useQuery(alertSettingsQuery())
  return (
    <section className="section" aria-labelledby="alert-settings-heading">
      <h2 id="alert-settings-heading">Alerts</h2>
      <p className="muted small">
        Alerts are sent when the balance falls below the threshold, when a key or the workspace reaches 80 %
        and 100 % of a spend limit, when an automatic top-up fails, when a provider refuses one of your own
        keys, and when a card payment is refunded or disputed. Each is sent once per event.
      </p>
      {settings.error ? (
        <ErrorMessage error={settings.error} onRetry={() => void settings.refetch()} />
      ) : settings.isPending ? (
        <Skeleton lines={2} />
      ) : (
        <AlertSettingsForm settings={settings.data} canWrite={canWrite} />
      )}
    </section>
  )
}

function AlertSettingsForm({ settings, canWrite }: { settings: AlertSettings; canWrite: boolean }) {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [thresholdError, setThresholdError] = useState<string>()
  const update = useMutation({
    ...updateAlertSettingsMutation(queryClient),
    onSuccess: (saved) => {
      updateAlertSettingsMutation(queryClient).onSuccess(saved)
      setThresholdError(undefined)
      notify('Alert settings saved')
    },
    onError: (error) => setThresholdError(splitServerError(error, ['balance_below']).fields.balance_below),
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const threshold = parseThreshold(formText(data, 'balance_below'))
    if (!threshold.ok) {
      setThresholdError(threshold.message)
      return
    }
    setThresholdError(undefined)
    update.mutate({ balance_below: threshold.value, email: data.get('email') === 'on' })
  }
  const formError = update.error ? splitServerError(update.error, ['balance_below']).form : null
  return (
    <form className="stack" onSubmit={submit} noValidate key={JSON.stringify(settings)}>
      <fieldset className="fieldset" disabled={!canWrite || update.isPending}>
        <legend className="visually-hidden">Alert settings</legend>
        <TextField
          label="Alert when the balance falls below (USD)"
          name="balance_below"
          inputMode="decimal"
          autoComplete="off"
          spellCheck={false}
          placeholder="No balance alert"
          className="amount-input"
          defaultValue={limitFieldValue(settings.balance_below)}
          hint="Empty: no balance alert. It fires again only after the balance has gone back above it."
          error={thresholdError}
        />
        <Checkbox
          name="email"
          label="Email alerts"
          defaultChecked={settings.email}
          hint="To the owner, admins and billing members with a verified email address."
        />
      </fieldset>
      {formError ? <ErrorMessage error={formError} /> : null}
      {canWrite ? (
        <Button type="submit" variant="primary" pending={update.isPending}>
          Save alerts
        </Button>
      ) : (
        <p className="muted small">Only owners, admins and billing members can change alerts.</p>
      )}
    </form>
  )
}

function WebhooksSection({ canWrite }: { canWrite: boolean }) {
  const queryClient = useQueryClient()
  const notify = useToast()
  const webhooks = useQuery(webhooksQuery())
  const [adding, setAdding] = useState(false)
  const [created, setCreated] = useState<AlertWebhookCreated | null>(null)
  const [deleting, setDeleting] = useState<AlertWebhookSummary | null>(null)
  const remove = useMutation({
    ...deleteWebhookMutation(queryClient),
    onSuccess: () => {
      deleteWebhookMutation(queryClient).onSuccess()
      notify('Webhook deleted')
      setDeleting(null)
    },
  })
  const test = useMutation({
    ...testWebhookMutation(queryClient),
    onSuccess: () => {
      testWebhookMutation(queryClient).onSuccess()
      notify('Test alert queued: see its delivery in the log below.')
    },
    onError: (error) =>
      notify(
        `The test alert was not sent: ${error instanceof Error ? error.message : 'unknown error'}`,
        'error',
      ),
  })
  return (
    <section className="section" aria-labelledby="webhooks-heading">
      <div className="section-header">
        <h2 id="webhooks-heading">Webhooks</h2>
        {canWrite ? (
          <Button variant="primary" onClick={() => setAdding(true)}>
            Add webhook
          </Button>
        ) : null}
      </div>
      <WebhooksView
        webhooks={webhooks.data?.data}
        isPending={webhooks.isPending}
        error={webhooks.error}
        onRetry={() => void webhooks.refetch()}
        canWrite={canWrite}
        testing={test.isPending ? (test.variables ?? null) : null}
        onTest={(webhook) => test.mutate(webhook.id)}
        onDelete={(webhook) => {
          remove.reset()
          setDeleting(webhook)
        }}
      />
      {canWrite ? (
        <>
          <AddWebhookDialog
            open={adding}
            onClose={() => setAdding(false)}
            onCreated={(webhook) => {
              setAdding(false)
              setCreated(webhook)
            }}
          />
          <WebhookSecretDialog created={created} onClose={() => setCreated(null)} />
          <ConfirmDialog
            open={deleting !== null}
            title="Delete this webhook?"
            confirmLabel="Delete"
            onConfirm={() => deleting && remove.mutate(deleting.id)}
            onClose={() => setDeleting(null)}
            pending={remove.isPending}
            error={remove.error}
          >
            <p>
              Alerts will no longer be sent to <code className="break">{deleting?.url}</code>, and its pending
              deliveries fail. This cannot be undone.
            </p>
          </ConfirmDialog>
        </>
      ) : null}
    </section>
  )
}

function DeliveriesSection() {
  const deliveries = useInfiniteQuery({
    ...deliveriesQuery(),
    // Pending deliveries change on their own (sent, retried): look again while there are some.
    refetchInterval: (query) => (hasPending(query.state.data?.pages) ? DELIVERIES_POLL_MS : false),
  })
  return (
    <section className="section" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Delivery log</h2>
      <DeliveriesView
        deliveries={deliveries.data?.pages.flatMap((page) => page.data)}
        isPending={deliveries.isPending}
        error={deliveries.error}
        onRetry={() => void deliveries.refetch()}
        hasMore={deliveries.hasNextPage}
        loadingMore={deliveries.isFetchingNextPage}
        onOlder={() => void deliveries.fetchNextPage()}
      />
    </section>
  )
}

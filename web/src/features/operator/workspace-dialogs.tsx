import { useMutation, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useId, useState } from 'react'
import { formatUsd } from '../../format/money.ts'
import { ConfirmDialog, Dialog, FormDialogFooter } from '../../ui/dialog.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { SelectField, TextField } from '../../ui/field.tsx'
import { type FieldErrors, formText, splitServerError } from '../../ui/form-errors.ts'
import { Money } from '../../ui/money.tsx'
import { useToast } from '../../ui/toast.tsx'
import { buildTopUpBody } from './operator-forms.ts'
import { type OperatorWorkspace, topUpMutation, updateWorkspaceMutation } from './operator-queries.ts'

const TOP_UP_FIELDS = ['amount', 'kind', 'reason']

interface WorkspaceDialogProps {
  workspace: OperatorWorkspace | null
  onClose: () => void
}

/** Credits a workspace (a purchase) or corrects its balance (an adjustment), with a reason. */
export function TopUpDialog({ workspace, onClose }: WorkspaceDialogProps) {
  const formId = useId()
  const [pending, setPending] = useState(false)
  return (
    <Dialog
      open={workspace !== null}
      title={`Top up or adjust “${workspace?.name ?? ''}”`}
      onClose={onClose}
      locked={pending}
      footer={<FormDialogFooter formId={formId} submitLabel="Top up" onCancel={onClose} pending={pending} />}
    >
      {workspace ? (
        <TopUpForm
          key={workspace.id}
          formId={formId}
          workspace={workspace}
          onPending={setPending}
          onDone={onClose}
        />
      ) : null}
    </Dialog>
  )
}

interface TopUpFormProps {
  formId: string
  workspace: OperatorWorkspace
  onPending: (pending: boolean) => void
  onDone: () => void
}

/** Mounted once per opening: its idempotency key covers every retry of this one form. */
function TopUpForm({ formId, workspace, onPending, onDone }: TopUpFormProps) {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [idempotencyKey] = useState(() => crypto.randomUUID())
  const [errors, setErrors] = useState<FieldErrors>({})
  const topUp = useMutation({
    ...topUpMutation(queryClient),
    onMutate: () => onPending(true),
    onSettled: () => onPending(false),
    onSuccess: (answer) => {
      topUpMutation(queryClient).onSuccess()
      notify(
        `${answer.replayed ? 'Already applied' : 'Applied'} to “${workspace.name}”: balance ${formatUsd(answer.balance)}.`,
      )
      onDone()
    },
    onError: (error) => setErrors(splitServerError(error, TOP_UP_FIELDS).fields),
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const result = buildTopUpBody({
      workspace: workspace.id,
      amount: formText(data, 'amount'),
      kind: formText(data, 'kind') === 'adjustment' ? 'adjustment' : 'purchase',
      reason: formText(data, 'reason'),
      idempotencyKey,
    })
    if ('errors' in result) {
      setErrors(result.errors)
      return
    }
    setErrors({})
    topUp.mutate(result.body)
  }
  const formError = topUp.error ? splitServerError(topUp.error, TOP_UP_FIELDS).form : null
  return (
    <form id={formId} onSubmit={submit} noValidate className="stack">
      <p className="muted">
        Balance <Money amount={workspace.balance} />, available <Money amount={workspace.available} />.
      </p>
      <SelectField
        label="Kind"
        name="kind"
        defaultValue="purchase"
        hint="A top-up is a purchase (the purchase fee applies). An adjustment may be negative and has no fee."
        options={[
          { value: 'purchase', label: 'Top up (purchase)' },
          { value: 'adjustment', label: 'Adjustment' },
        ]}
        error={errors.kind}
      />
      <TextField
        label="Amount"
        name="amount"
        inputMode="decimal"
        autoComplete="off"
        placeholder="25.00"
        hint="USD, e.g. 25.00; an adjustment may be negative (-5.00)."
        error={errors.amount}
      />
      <TextField label="Reason" name="reason" maxLength={500} autoComplete="off" error={errors.reason} />
      {formError ? <ErrorMessage error={formError} /> : null}
    </form>
  )
}

interface TierDialogProps extends WorkspaceDialogProps {
  tiers: readonly string[]
  defaultTier: string
}

/** Moves a workspace to another rate-limit tier, or back to the default. */
export function TierDialog({ workspace, tiers, defaultTier, onClose }: TierDialogProps) {
  const queryClient = useQueryClient()
  const notify = useToast()
  const formId = useId()
  const update = useMutation({
    ...updateWorkspaceMutation(queryClient),
    onSuccess: (answer) => {
      updateWorkspaceMutation(queryClient).onSuccess()
      notify(`“${answer.name}” is on the ${answer.tier ?? `default (${defaultTier})`} tier.`)
      onClose()
    },
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (workspace === null) return
    const tier = formText(new FormData(event.currentTarget), 'tier')
    update.mutate({ workspace: workspace.id, change: { tier: tier === '' ? null : tier } })
  }
  const close = () => {
    update.reset()
    onClose()
  }
  const errors = update.error ? splitServerError(update.error, ['tier']) : { fields: {}, form: null }
  return (
    <Dialog
      open={workspace !== null}
      title={`Tier of “${workspace?.name ?? ''}”`}
      onClose={close}
      locked={update.isPending}
      footer={
        <FormDialogFooter
          formId={formId}
          submitLabel="Save tier"
          onCancel={close}
          pending={update.isPending}
        />
      }
    >
      <form id={formId} onSubmit={submit} noValidate className="stack">
        <SelectField
          label="Tier"
          name="tier"
          defaultValue={workspace?.tier ?? ''}
          hint="Rate limits (requests and tokens per minute, concurrency) come from the tier."
          options={[
            { value: '', label: `Default (${defaultTier})` },
            ...tiers.map((tier) => ({ value: tier, label: tier })),
          ]}
          error={errors.fields.tier}
        />
        {errors.form ? <ErrorMessage error={errors.form} /> : null}
      </form>
    </Dialog>
  )
}

/** Suspends a workspace (its API keys are refused) or lifts the suspension. */
export function SuspendDialog({ workspace, onClose }: WorkspaceDialogProps) {
  const queryClient = useQueryClient()
  const notify = useToast()
  const suspending = workspace !== null && !workspace.suspended
  const update = useMutation({
    ...updateWorkspaceMutation(queryClient),
    onSuccess: (answer) => {
      updateWorkspaceMutation(queryClient).onSuccess()
      notify(answer.suspended ? `“${answer.name}” is suspended.` : `“${answer.name}” is active again.`)
      onClose()
    },
  })
  const close = () => {
    update.reset()
    onClose()
  }
  return (
    <ConfirmDialog
      open={workspace !== null}
      title={suspending ? `Suspend “${workspace?.name}”?` : `Unsuspend “${workspace?.name ?? ''}”?`}
      confirmLabel={suspending ? 'Suspend' : 'Unsuspend'}
      danger={suspending}
      onConfirm={() =>
        workspace && update.mutate({ workspace: workspace.id, change: { suspended: !workspace.suspended } })
      }
      onClose={close}
      pending={update.isPending}
      error={update.error}
    >
      {suspending ? (
        <p>
          Every API key of <strong>{workspace?.name}</strong> will be refused (403) until you unsuspend it.
          Its balance and keys are kept.
        </p>
      ) : (
        <p>
          The API keys of <strong>{workspace?.name}</strong> will work again.
        </p>
      )}
    </ConfirmDialog>
  )
}

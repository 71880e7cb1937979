import { useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useId } from 'react'
import { Dialog, FormDialogFooter } from '../../ui/dialog.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { formText } from '../../ui/form-errors.ts'
import { useToast } from '../../ui/toast.tsx'
import { useFormMutation } from '../../ui/use-form-mutation.ts'
import {
  type BudgetView,
  buildKeyBudgetBody,
  limitFieldValue,
  PERIOD_LABEL,
  PERIODS,
  setKeyBudgetMutation,
} from './budgets-queries.ts'

const FIELDS = ['total', 'day', 'week', 'month']

export interface BudgetTarget {
  id: string
  name: string
  budget: BudgetView | null
}

interface KeyBudgetDialogProps {
  target: BudgetTarget | null
  onClose: () => void
}

/** "Spend limit" of one key: four optional USD amounts (empty: no limit for that period). */
export function KeyBudgetDialog({ target, onClose }: KeyBudgetDialogProps) {
  const queryClient = useQueryClient()
  const notify = useToast()
  const formId = useId()
  const explainId = useId()
  const form = useFormMutation(setKeyBudgetMutation(queryClient), FIELDS, (_saved, { body }) => {
    const none = Object.values(body).every((value) => value === null)
    notify(none ? `Spend limits removed from “${target?.name}”` : `Spend limit saved for “${target?.name}”`)
    onClose()
  })
  const { errors } = form
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (target === null) return
    const data = new FormData(event.currentTarget)
    const checked = buildKeyBudgetBody({
      total: formText(data, 'total'),
      day: formText(data, 'day'),
      week: formText(data, 'week'),
      month: formText(data, 'month'),
    })
    form.send(checked, (body) => ({ id: target.id, body }))
  }
  const close = () => {
    form.reset()
    onClose()
  }
  const current = (period: (typeof PERIODS)[number]) =>
    limitFieldValue(target?.budget?.periods.find((entry) => entry.period === period)?.limit ?? null)
  return (
    <Dialog
      open={target !== null}
      title={`Spend limit for “${target?.name ?? ''}”`}
      onClose={close}
      locked={form.mutation.isPending}
      footer={
        <FormDialogFooter
          formId={formId}
          submitLabel="Save limit"
          onCancel={close}
          pending={form.mutation.isPending}
        />
      }
    >
      <form id={formId} onSubmit={submit} noValidate className="stack" aria-describedby={explainId}>
        <div id={explainId} className="small">
          <p>
            Requests with this key are refused (HTTP 402, <code>key_budget_exceeded</code>) once a limit is
            reached. Leave a field empty for no limit in that period.
          </p>
          <p className="muted">
            Periods are in UTC: a day from midnight, a week from Monday, a month from the 1st. Requests that
            are still running count against the limit with what they may cost, so a limit can never be
            overshot.
          </p>
        </div>
        <div className="grid-2">
          {PERIODS.map((period) => (
            <TextField
              key={`${target?.id}-${period}`}
              label={`${PERIOD_LABEL[period]} (USD)`}
              name={period}
              inputMode="decimal"
              autoComplete="off"
              spellCheck={false}
              placeholder="No limit"
              defaultValue={current(period)}
              error={errors[period]}
            />
          ))}
        </div>
        {form.formError ? <ErrorMessage error={form.formError} /> : null}
      </form>
    </Dialog>
  )
}

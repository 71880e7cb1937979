import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { formatUtc } from '../../format/dates.ts'
import { Button } from '../../ui/button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { formText, splitServerError } from '../../ui/form-errors.ts'
import { Money } from '../../ui/money.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { useToast } from '../../ui/toast.tsx'
import { BudgetMeter } from './budget-meter.tsx'
import {
  type BudgetAnswer,
  limitFieldValue,
  parseLimit,
  setWorkspaceBudgetMutation,
  workspaceBudgetQuery,
} from './budgets-queries.ts'

/** The workspace's monthly spend limit: what is spent, what remains, when it resets, and its form. */
export function WorkspaceBudgetSection({ canWrite }: { canWrite: boolean }) {
  const budget = useQuery(workspaceBudgetQuery())
  return (
    <section className="section" aria-labelledby="workspace-budget-heading">
      <h2 id="workspace-budget-heading">Monthly spend limit</h2>
      <p className="muted small">
        Across every key of the workspace, for the calendar month in UTC. Once it is reached, requests are
        refused (HTTP 402, <code>workspace_budget_exceeded</code>) until the month ends or the limit is
        raised.
      </p>
      {budget.error ? (
        <ErrorMessage error={budget.error} onRetry={() => void budget.refetch()} />
      ) : budget.isPending ? (
        <Skeleton lines={3} />
      ) : (
        <WorkspaceBudgetView budget={budget.data} canWrite={canWrite} />
      )}
    </section>
  )
}

function WorkspaceBudgetView({ budget, canWrite }: { budget: BudgetAnswer; canWrite: boolean }) {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [fieldError, setFieldError] = useState<string>()
  const save = useMutation({
    ...setWorkspaceBudgetMutation(queryClient),
    onSuccess: (saved, month) => {
      setWorkspaceBudgetMutation(queryClient).onSuccess(saved)
      setFieldError(undefined)
      notify(month === null ? 'Monthly limit removed' : 'Monthly limit saved')
    },
    onError: (error) => setFieldError(splitServerError(error, ['month']).fields.month),
  })
  const month = budget.periods.find((period) => period.period === 'month')
  if (month === undefined) return <p>This gateway reports no monthly figures.</p>
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const input = parseLimit(formText(new FormData(event.currentTarget), 'month'))
    if (input.kind === 'invalid') {
      setFieldError(input.message)
      return
    }
    setFieldError(undefined)
    save.mutate(input.kind === 'ok' ? input.amount : null)
  }
  const formError = save.error ? splitServerError(save.error, ['month']).form : null
  const limit = month.limit
  return (
    <>
      <dl className="stats">
        <div className="stat">
          <dt>Limit</dt>
          <dd>{limit === null ? 'No limit' : <Money amount={limit} precision="cost" />}</dd>
        </div>
        <div className="stat">
          <dt>Spent this month</dt>
          <dd>
            <Money amount={month.spent} precision="cost" />
          </dd>
        </div>
        <div className="stat">
          <dt>Remaining</dt>
          <dd>{month.remaining === null ? '–' : <Money amount={month.remaining} precision="cost" />}</dd>
        </div>
        <div className="stat">
          <dt>Resets</dt>
          <dd className="stat-text">{formatUtc(month.resets_at)}</dd>
        </div>
      </dl>
      {limit !== null ? <BudgetMeter period={{ ...month, limit }} /> : null}
      {limit !== null ? (
        <p className="muted small">
          Held for running requests: <Money amount={budget.held} precision="cost" /> (counted in what
          remains).
        </p>
      ) : null}
      {canWrite ? (
        <form className="stack" onSubmit={submit} noValidate key={limit ?? 'none'}>
          <TextField
            label="Monthly limit (USD)"
            name="month"
            inputMode="decimal"
            autoComplete="off"
            spellCheck={false}
            placeholder="No limit"
            className="amount-input"
            defaultValue={limitFieldValue(limit)}
            hint="Empty: no limit."
            error={fieldError}
          />
          {formError ? <ErrorMessage error={formError} /> : null}
          <Button type="submit" variant="primary" pending={save.isPending}>
            Save limit
          </Button>
        </form>
      ) : (
        <p className="muted small">Only owners, admins and billing members can change the limit.</p>
      )}
    </>
  )
}

import { formatUtc } from '../../format/dates.ts'
import { Money } from '../../ui/money.tsx'
import { type BudgetPeriodView, meterTone, PERIOD_SPAN, percentUsed } from './budgets-queries.ts'

interface BudgetMeterProps {
  period: BudgetPeriodView & { limit: string }
  /** Also say when the period starts again. */
  showReset?: boolean
}

/**
 * One limit's use: "$0.40 of $1.00 today (40 %)" in words, and a bar beside it. The words carry
 * everything (the bar is decoration), and the state is said too ("limit reached"), not only coloured.
 */
export function BudgetMeter({ period, showReset = false }: BudgetMeterProps) {
  const percent = percentUsed(period.spent, period.limit)
  const tone = meterTone(percent, period.remaining)
  return (
    <div className={`budget-meter budget-meter-${tone}`}>
      <span className="budget-meter-text">
        <Money amount={period.spent} precision="cost" /> of <Money amount={period.limit} precision="cost" />{' '}
        {PERIOD_SPAN[period.period]} ({Math.min(percent, 100)} %)
        {tone === 'full' ? <strong className="budget-meter-state"> · limit reached</strong> : null}
        {tone === 'warning' ? <span className="budget-meter-state"> · nearly reached</span> : null}
      </span>
      <span className="budget-meter-bar" aria-hidden="true">
        <span className="budget-meter-fill" style={{ width: `${Math.min(percent, 100)}%` }} />
      </span>
      {showReset && period.resets_at ? (
        <span className="muted small">Starts again {formatUtc(period.resets_at)}</span>
      ) : null}
    </div>
  )
}

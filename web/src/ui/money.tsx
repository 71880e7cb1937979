import { exactUsd, formatCost, formatUsd, isNegative } from '../format/money.ts'

interface MoneyProps {
  amount: string
  /** 'balance': two decimals truncated; 'cost': up to nine decimals. */
  precision?: 'balance' | 'cost'
  className?: string
}

/** A USD amount from an exact decimal string; the full value is in the title. */
export function Money({ amount, precision = 'balance', className }: MoneyProps) {
  const text = precision === 'cost' ? formatCost(amount) : formatUsd(amount)
  const classes = ['money', isNegative(amount) ? 'money-negative' : '', className ?? ''].filter(Boolean)
  return (
    <span className={classes.join(' ')} title={exactUsd(amount)}>
      {text}
    </span>
  )
}

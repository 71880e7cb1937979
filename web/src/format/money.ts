/**
 * Money on screen. Amounts arrive from the API as exact decimal strings ("12.345678901") and stay
 * strings: `Intl.NumberFormat` formats a decimal string exactly (ECMA-402 2023), so no binary
 * float ever holds money. Balances are truncated to cents (never rounded up); per-request costs
 * keep up to 9 decimals.
 *
 * @module
 */

const DECIMAL = /^-?\d+(\.\d+)?$/

const formatters = new Map<string, Intl.NumberFormat>()

function formatter(locale: string | undefined, min: number, max: number): Intl.NumberFormat {
  const id = `${locale ?? ''}|${min}|${max}`
  let found = formatters.get(id)
  if (found === undefined) {
    found = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: min,
      maximumFractionDigits: max,
      roundingMode: 'trunc',
    })
    formatters.set(id, found)
  }
  return found
}

/** Whether `text` is a plain decimal number string as the API sends. */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text)
}

/** A balance or total: two decimals, truncated toward zero. "12.349" → "$12.34". */
export function formatUsd(amount: string, locale?: string): string {
  if (!isDecimal(amount)) return amount
  return formatter(locale, 2, 2).format(amount as Intl.StringNumericLiteral)
}

/** A per-request cost: at least 2 and up to `maxDecimals` (default 9) decimals, truncated. */
export function formatCost(amount: string, locale?: string, maxDecimals = 9): string {
  if (!isDecimal(amount)) return amount
  return formatter(locale, 2, maxDecimals).format(amount as Intl.StringNumericLiteral)
}

/** The full exact value for a title attribute, e.g. "12.345678901 USD". */
export function exactUsd(amount: string): string {
  return `${amount} USD`
}

/** Whether a decimal string is zero ("0", "0.000"). */
export function isZero(amount: string): boolean {
  return /^-?0*(\.0*)?$/.test(amount)
}

/** Whether a decimal string is negative (and not zero). */
export function isNegative(amount: string): boolean {
  return amount.startsWith('-') && !isZero(amount)
}

/**
 * A chart's axis or tooltip value (a plotted number, never money arithmetic): cents from one cent
 * up, and below it enough decimals to tell ticks apart ($0.000022, not $0.00).
 */
export function formatChartUsd(value: number, locale?: string): string {
  if (value === 0) return formatUsd('0', locale)
  if (Math.abs(value) >= 0.01) return formatUsd(value.toFixed(2), locale)
  return formatCost(value.toFixed(9), locale)
}

/**
 * A dollar amount typed into a form, as the decimal string the API takes: "$ 25" → "25",
 * ".5" → "0.5"; empty stays empty; at most 9 whole digits and 9 decimals.
 */
export function parseUsdInput(
  text: string,
): { kind: 'empty' } | { kind: 'invalid' } | { kind: 'ok'; amount: string } {
  const trimmed = text.trim().replace(/^\$\s*/, '')
  if (trimmed === '') return { kind: 'empty' }
  const amount = trimmed.startsWith('.') ? `0${trimmed}` : trimmed
  return /^\d{1,9}(\.\d{1,9})?$/.test(amount) ? { kind: 'ok', amount } : { kind: 'invalid' }
}

/**
 * Exact US-dollar amounts. Prices and costs are integers of pico-USD (10⁻¹² USD): a catalog price
 * "per 1M tokens" with up to six decimals is an integer number of pico-USD per token, so
 * `tokens × price` is exact integer arithmetic. Decimal strings go in and out; binary floats
 * never hold money.
 *
 * @module
 * Product spec §5.
 */

/** Decimal places of one pico-USD. */
const PICO_DECIMALS = 12
/** A per-1M-token price is divided by 10⁶ tokens: six of the twelve places are spent on that. */
const PER_MILLION_DECIMALS = 6

/** A non-negative decimal scaled to an integer with `decimals` places, e.g. ("1.5", 3) → 1500. Exact. */
export function parseDecimal(value: string | number, decimals: number, what: string): number {
  // A YAML or JSON number is read back through its shortest decimal form, e.g. 0.075 → "0.075",
  // which is exactly what the operator wrote.
  const text = typeof value === 'number' ? String(value) : value.trim()
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text)
  if (match === null) throw new RangeError(`${what}: expected a non-negative decimal number, got "${text}"`)
  const fraction = (match[2] ?? '').replace(/0+$/, '')
  if (fraction.length > decimals) {
    throw new RangeError(`${what}: at most ${decimals} decimal places, got "${text}"`)
  }
  const scaled = BigInt(match[1]!) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0')
  if (scaled > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what}: too large, got "${text}"`)
  return Number(scaled)
}

/** "0.15" (USD per 1M tokens) → 150000 pico-USD per token. */
export function parseUsdPerMillionTokens(value: string | number, what = 'price'): number {
  return parseDecimal(value, PER_MILLION_DECIMALS, what)
}

/** "0.002" (USD) → 2000000 nano-USD (the ledger's unit). */
export function parseUsdNano(value: string | number, what = 'amount'): number {
  return parseDecimal(value, 9, what)
}

/** "0.002" (USD) → 2000000000 pico-USD. */
export function parseUsd(value: string | number, what = 'amount'): number {
  return parseDecimal(value, PICO_DECIMALS, what)
}

function formatScaled(value: bigint, decimals: number): string {
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`
}

/** An integer of `decimals` fixed decimals → its exact decimal string (5000, 3 → "5"; 2500, 3 → "2.5"). */
export function formatDecimal(value: number | bigint, decimals: number): string {
  return formatScaled(BigInt(value), decimals)
}

/** 1850000 pico-USD → "0.00000185". Exact for any integer. */
export function formatPicoUsd(pico: number | bigint): string {
  return formatScaled(BigInt(pico), PICO_DECIMALS)
}

/** 150000 pico-USD per token → "0.15" (USD per 1M tokens). */
export function formatUsdPerMillionTokens(picoPerToken: number): string {
  return formatScaled(BigInt(picoPerToken), PER_MILLION_DECIMALS)
}

/** `tokens × pico-USD per token`, exact (bigint past 2⁵³). */
export function costOf(tokens: number, picoPerToken: number): bigint {
  return BigInt(tokens) * BigInt(picoPerToken)
}

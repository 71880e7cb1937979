/**
 * Pure helpers of card checkout: the amount field, the return from Stripe's hosted page, and how a
 * purchase status reads. The amount stays a decimal string throughout (never a float): the browser
 * only tidies what was typed; limits, fees and totals come from the API.
 *
 * @module
 */

export type AmountInput =
  | { kind: 'empty' }
  | { kind: 'invalid'; message: string }
  /** `amount` has exactly two decimals ("20" → "20.00"), as sent to the API. */
  | { kind: 'ok'; amount: string }

const AMOUNT = /^(\d*)(?:\.(\d{0,2}))?$/

/**
 * Reads the "Amount (USD)" field loosely: digits with up to two decimals, an optional leading "$"
 * and surrounding spaces forgiven. Minimum and maximum are the server's to judge.
 */
export function parseAmount(text: string): AmountInput {
  const trimmed = text.trim().replace(/^\$\s*/, '')
  if (trimmed === '') return { kind: 'empty' }
  const match = AMOUNT.exec(trimmed)
  const whole = match?.[1] ?? ''
  const cents = match?.[2] ?? ''
  if (match === null || (whole === '' && cents === '')) {
    return /^\d*\.\d{3,}$/.test(trimmed)
      ? { kind: 'invalid', message: 'Use at most two decimals, like 20.50.' }
      : { kind: 'invalid', message: 'Enter an amount in dollars, like 20 or 20.50.' }
  }
  const integer = whole.replace(/^0+(?=\d)/, '') || '0'
  return { kind: 'ok', amount: `${integer}.${cents.padEnd(2, '0')}` }
}

export type CheckoutReturn = { kind: 'success'; purchaseId: string | null } | { kind: 'cancelled' }

const PURCHASE_ID = /^pur_[A-Za-z0-9_-]+$/

/** `?checkout=success&purchase=pur_…` or `?checkout=cancelled` from the router's parsed search. */
export function readCheckoutReturn(search: unknown): CheckoutReturn | null {
  if (typeof search !== 'object' || search === null) return null
  const { checkout, purchase } = search as Record<string, unknown>
  if (checkout === 'cancelled') return { kind: 'cancelled' }
  if (checkout !== 'success') return null
  return {
    kind: 'success',
    purchaseId: typeof purchase === 'string' && PURCHASE_ID.test(purchase) ? purchase : null,
  }
}

/** Whether the search carries checkout parameters to clear (even unreadable ones). */
export function hasCheckoutParams(search: unknown): boolean {
  return typeof search === 'object' && search !== null && ('checkout' in search || 'purchase' in search)
}

export type PurchaseStatus = 'open' | 'pending' | 'paid' | 'failed' | 'expired'

export const PURCHASE_STATUS: Readonly<Record<PurchaseStatus, { label: string; badge: string }>> = {
  open: { label: 'Awaiting payment', badge: 'badge' },
  pending: { label: 'Processing', badge: 'badge' },
  paid: { label: 'Paid', badge: 'badge badge-ok' },
  failed: { label: 'Failed', badge: 'badge badge-error' },
  expired: { label: 'Expired', badge: 'badge' },
}

/** The badge of a status, falling back to the raw text for a status this console does not know. */
export function purchaseStatus(status: string): { label: string; badge: string } {
  return Object.hasOwn(PURCHASE_STATUS, status)
    ? PURCHASE_STATUS[status as PurchaseStatus]
    : { label: status, badge: 'badge' }
}

/** What the page does while waiting for a returned purchase: keep polling, or stop with an outcome. */
export type WaitOutcome = 'waiting' | 'paid' | 'failed'

export function waitOutcome(status: string | undefined): WaitOutcome {
  if (status === 'paid') return 'paid'
  if (status === 'failed' || status === 'expired') return 'failed'
  return 'waiting'
}

/** Whether a URL from the API is a web address (http or https), safe for a link or a navigation. */
export function isWebUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text)
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}

/** Polling on return from Stripe: every 2 s, for at most 60 s. */
export const POLL_EVERY_MS = 2_000
export const POLL_FOR_MS = 60_000

/** A saved card for display: "Visa •••• 4242". */
export function cardLabel(card: { brand: string; last4: string }): string {
  const brand =
    card.brand === 'amex' ? 'American Express' : card.brand.charAt(0).toUpperCase() + card.brand.slice(1)
  return card.last4 === '' ? brand : `${brand} •••• ${card.last4}`
}

/** The auto top-up body from its form (threshold and amount with two decimals), or errors by field. */
export function buildAutoTopUpBody(input: {
  enabled: boolean
  threshold: string
  amount: string
}): { body: { enabled: boolean; threshold: string; amount: string } } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const threshold = parseAmount(input.threshold)
  const amount = parseAmount(input.amount)
  if (threshold.kind !== 'ok')
    errors.threshold = threshold.kind === 'invalid' ? threshold.message : 'Enter a threshold, like 5.00.'
  if (amount.kind !== 'ok')
    errors.amount = amount.kind === 'invalid' ? amount.message : 'Enter an amount to buy, like 20.00.'
  if (threshold.kind !== 'ok' || amount.kind !== 'ok') return { errors }
  return { body: { enabled: input.enabled, threshold: threshold.amount, amount: amount.amount } }
}

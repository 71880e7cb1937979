/**
 * The operator's forms as pure functions: the request body from what was typed, or errors by
 * field name. Amounts are checked as decimal strings and sent as typed: never through a float.
 *
 * @module
 */
import { isDecimal, isNegative, isZero } from '../../format/money.ts'
import { parseOptionalInteger } from '../../format/numbers.ts'
import type { CreditCode, NewCodesBody, TopUpBody } from './operator-queries.ts'

export type FormResult<T> = { body: T } | { errors: Record<string, string> }

/** USD with at most 9 decimals (the ledger's unit is a nano-dollar). */
const USD = /^-?\d+(\.\d{1,9})?$/

/** The amount as typed, trimmed, without a leading `$` or `+` and thousands separators. */
export function cleanAmount(text: string): string {
  return text.trim().replace(/^\$/, '').replace(/^\+/, '').replaceAll(',', '')
}

export interface TopUpInput {
  workspace: string
  amount: string
  kind: 'purchase' | 'adjustment'
  reason: string
  /** One per form: a retried submission reuses it and is never credited twice. */
  idempotencyKey: string
}

/** `POST /api/v1/admin/credits`: a purchase (positive) or an adjustment (either sign), with a reason. */
export function buildTopUpBody(input: TopUpInput): FormResult<TopUpBody> {
  const errors: Record<string, string> = {}
  const amount = cleanAmount(input.amount)
  if (!USD.test(amount) || !isDecimal(amount)) {
    errors.amount = 'Enter an amount in USD, e.g. 25.00 (at most 9 decimals).'
  } else if (isZero(amount)) {
    errors.amount = 'Enter an amount other than zero.'
  } else if (input.kind === 'purchase' && isNegative(amount)) {
    errors.amount = 'A top-up is positive: use an adjustment to take credit away.'
  }
  const reason = input.reason.trim()
  if (reason === '') errors.reason = 'Say why, e.g. "invoice 2026-114" or "goodwill for the outage".'
  else if (reason.length > 500) errors.reason = 'Keep the reason under 500 characters.'
  if (Object.keys(errors).length > 0) return { errors }
  return {
    body: {
      workspace: input.workspace,
      amount,
      idempotency_key: input.idempotencyKey,
      kind: input.kind,
      reason,
    },
  }
}

export interface CodesInput {
  amount: string
  count: string
  expiresInDays: string
  note: string
}

/** `POST /api/v1/admin/credit-codes`. */
export function buildCodesBody(input: CodesInput): FormResult<NewCodesBody> {
  const errors: Record<string, string> = {}
  const amount = cleanAmount(input.amount)
  if (!USD.test(amount) || isNegative(amount) || isZero(amount))
    errors.amount = 'Enter a positive amount in USD per code, e.g. 5.00.'
  const count = parseOptionalInteger(input.count)
  if (count === undefined || Number.isNaN(count) || count < 1 || count > 1000)
    errors.count = 'Enter a whole number of codes from 1 to 1000.'
  const days = parseOptionalInteger(input.expiresInDays)
  if (days !== undefined && (Number.isNaN(days) || days < 1 || days > 3650))
    errors.expires_in_days = 'Enter a whole number of days from 1 to 3650, or leave it empty.'
  const note = input.note.trim()
  if (note.length > 500) errors.note = 'Keep the note under 500 characters.'
  if (Object.keys(errors).length > 0 || count === undefined) return { errors }
  const body: NewCodesBody = { amount, count }
  if (days !== undefined) body.expires_in_days = days
  if (note !== '') body.note = note
  return { body }
}

export type CodeStatus = 'unused' | 'redeemed' | 'revoked' | 'expired'

/** Where a code stands; only an `unused` one can be revoked. */
export function codeStatus(code: CreditCode, now = Date.now()): CodeStatus {
  if (code.redeemed_by !== null) return 'redeemed'
  if (code.revoked_at !== null) return 'revoked'
  if (code.expires_at !== null && Date.parse(code.expires_at) <= now) return 'expired'
  return 'unused'
}

/** A ratio 0…1 as a percentage, e.g. 0.125 → "12.5%"; null → "–". Not money. */
export function formatRate(rate: number | null, locale?: string): string {
  if (rate === null || !Number.isFinite(rate)) return '–'
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate)
}

/** Output speed, e.g. 55.6 → "55.6 tok/s"; null → "–". */
export function formatThroughput(tokensPerSecond: number | null, locale?: string): string {
  if (tokensPerSecond === null || !Number.isFinite(tokensPerSecond)) return '–'
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(tokensPerSecond)} tok/s`
}

/**
 * Redeemable credit codes: created in batches by the operator, single use, optionally expiring.
 * A code is shown once at creation and stored as its SHA-256, like API keys; redemption marks it
 * used and credits the workspace in one transaction, so a code can never be spent twice, and the
 * same workspace retrying a redemption gets the original entry back.
 *
 * Format: `OKC-XXXX-XXXX-XXXX-XXXX` in Crockford base32 (80 random bits). Input is normalised:
 * case, spaces and dashes do not matter, and I/L read as 1, O as 0.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import type { CreditCodeRecord, LedgerRepository } from '../storage/store.ts'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const GROUPS = 4
const GROUP_LENGTH = 4

export function generateCreditCode(): string {
  const bytes = randomBytes(GROUPS * GROUP_LENGTH)
  let body = ''
  for (const byte of bytes) body += ALPHABET[byte & 31]
  return `OKC-${body.match(/.{4}/g)!.join('-')}`
}

/** Canonical form: upper case, no separators, ambiguous letters mapped. */
export function normalizeCreditCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/^OKC/, '').replace(/[IL]/g, '1').replace(/O/g, '0')
}

export function hashCreditCode(code: string): string {
  return createHash('sha256').update(normalizeCreditCode(code)).digest('hex')
}

export function looksLikeCreditCode(code: string): boolean {
  const normalized = normalizeCreditCode(code)
  return (
    normalized.length === GROUPS * GROUP_LENGTH && [...normalized].every((char) => ALPHABET.includes(char))
  )
}

/** Creates `count` codes worth `amountNano` each; returns the plain codes (shown once). */
export async function createCreditCodes(
  ledger: LedgerRepository,
  input: { amountNano: number; count: number; expiresAt: Date | undefined; now?: Date },
): Promise<{ batchId: string; codes: string[] }> {
  if (!Number.isSafeInteger(input.amountNano) || input.amountNano <= 0)
    throw new RangeError('amount must be positive')
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > 10_000)
    throw new RangeError('count: 1 to 10000')
  const now = input.now ?? new Date()
  const batchId = `batch_${randomBytes(8).toString('hex')}`
  const codes = Array.from({ length: input.count }, generateCreditCode)
  const records: CreditCodeRecord[] = codes.map((code) => ({
    codeHash: hashCreditCode(code),
    prefix: code.slice(0, 8),
    batchId,
    amountNano: input.amountNano,
    expiresAt: input.expiresAt?.toISOString() ?? null,
    createdAt: now.toISOString(),
  }))
  await ledger.createCodes(records)
  return { batchId, codes }
}

/**
 * Money in: purchases (with the purchase fee as its own entry), adjustments and refunds, each
 * idempotent by key; and when credit bought now expires.
 *
 * @module
 * Product spec §5.
 */
import {
  InsufficientFundsError,
  type LedgerEntryRecord,
  type LedgerKind,
  type LedgerRepository,
  type NewLedgerEntry,
} from '../storage/store.ts'
import { formatNanoUsd } from './cost.ts'

export interface TopUpInput {
  workspaceId: string
  amountNano: number
  /** Replaying the same key never credits twice. */
  idempotencyKey: string
  actor: string
  reason?: string | undefined
  /** `purchase` (with the purchase fee), `adjustment` (signed, no fee) or `refund`. */
  kind?: Extract<LedgerKind, 'purchase' | 'adjustment' | 'refund'>
}

export interface TopUps {
  topUp(input: TopUpInput): Promise<{ entries: LedgerEntryRecord[]; replayed: boolean }>
  /** The purchase fee for an amount, nano-USD. */
  purchaseFee(amountNano: number): number
  /** When credit bought or redeemed now expires (null: never). */
  creditExpiresAt(): string | null
}

export function createTopUps(
  ledger: LedgerRepository,
  options: { purchaseFeeFixedNano: number; purchaseFeePercentMilli: number; creditExpiryDays: number },
  now: () => Date,
  id: (prefix: string) => string,
): TopUps {
  const creditExpiresAt = () =>
    options.creditExpiryDays === 0
      ? null
      : new Date(now().getTime() + options.creditExpiryDays * 86_400_000).toISOString()

  function purchaseFee(amountNano: number): number {
    const percentPart = (BigInt(amountNano) * BigInt(options.purchaseFeePercentMilli) + 99_999n) / 100_000n
    return options.purchaseFeeFixedNano + Number(percentPart)
  }

  return {
    purchaseFee,
    creditExpiresAt,
    async topUp(input) {
      const kind = input.kind ?? 'purchase'
      if (!Number.isSafeInteger(input.amountNano) || input.amountNano === 0) {
        throw new RangeError('amount must be a non-zero amount of USD with at most 9 decimals')
      }
      if (kind !== 'adjustment' && input.amountNano < 0)
        throw new RangeError('a purchase or refund is positive')
      const at = now().toISOString()
      const base: Omit<NewLedgerEntry, 'id' | 'kind' | 'amountNano' | 'idempotencyKey' | 'reason'> = {
        workspaceId: input.workspaceId,
        actor: input.actor,
        requestId: null,
        createdAt: at,
      }
      const entries: NewLedgerEntry[] = [
        {
          ...base,
          id: id('le'),
          kind,
          amountNano: input.amountNano,
          idempotencyKey: input.idempotencyKey,
          reason: input.reason ?? (kind === 'purchase' ? 'credit purchase' : kind),
          creditExpiresAt: kind === 'purchase' ? creditExpiresAt() : null,
        },
      ]
      const fee = kind === 'purchase' ? purchaseFee(input.amountNano) : 0
      if (fee > 0) {
        entries.push({
          ...base,
          id: id('le'),
          kind: 'purchase_fee',
          amountNano: -Math.min(fee, input.amountNano),
          idempotencyKey: `${input.idempotencyKey}:fee`,
          reason: `purchase fee on $${formatNanoUsd(input.amountNano)}`,
        })
      }
      try {
        return await ledger.append(entries)
      } catch (error) {
        if (error instanceof InsufficientFundsError) {
          throw new RangeError(
            `the balance cannot cover this debit ($${formatNanoUsd(error.availableNano)} available)`,
          )
        }
        throw error
      }
    },
  }
}

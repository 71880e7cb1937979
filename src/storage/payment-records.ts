/**
 * Card purchases: the records and the repository interface (implemented in
 * payment-repository.ts). No import of store.ts, so the Store can name it without a circle.
 *
 * @module
 */

/** A ledger entry that took credit back. */
export interface TakenBack {
  id: string
  amountNano: number
  balanceAfterNano: number
}

export type PurchaseStatus = 'open' | 'pending' | 'paid' | 'failed' | 'expired'

/** How a purchase was paid: a Checkout Session, or an off-session charge of the saved card. */
export type PurchaseKind = 'checkout' | 'auto_top_up'

export interface PurchaseRecord {
  id: string
  workspaceId: string
  kind: PurchaseKind
  /** The Checkout Session; an auto top-up's is its own ID (it has no session). */
  sessionId: string
  paymentIntent: string | null
  /** Credits bought, nano-USD. */
  amountNano: number
  /** The purchase fee, nano-USD (whole cents). */
  feeNano: number
  totalCents: number
  currency: string
  status: PurchaseStatus
  paidCents: number
  refundedCents: number
  /** Credit taken back by refunds and lost disputes, nano-USD. */
  takenBackNano: number
  /** What refunds and disputes asked to take back so far (may come before the payment). */
  takeBackTargetNano: number
  disputed: boolean
  receiptUrl: string | null
  createdBy: string
  createdAt: string
  paidAt: string | null
}

/** What `complete` did. */
export type CompleteOutcome = 'credited' | 'already_credited' | 'unknown_session'

export interface PaymentRepository {
  createPurchase(purchase: PurchaseRecord): Promise<void>
  findBySession(sessionId: string): Promise<PurchaseRecord | undefined>
  findByPaymentIntent(paymentIntent: string): Promise<PurchaseRecord | undefined>
  /** Newest first; `before` is a purchase ID to page from. */
  list(
    workspaceId: string,
    options: { limit: number; before?: string | undefined },
  ): Promise<PurchaseRecord[]>
  /**
   * Credits a paid purchase once: the purchase entry (its amount) and the fee entry, and the
   * purchase marked paid, in one transaction.
   */
  complete(input: {
    sessionId: string
    paidCents: number
    paymentIntent: string | null
    at: string
    creditExpiresAt: string | null
    /** IDs for the purchase, fee and (when a refund came first) take-back entries. */
    entryIds: [string, string, string]
  }): Promise<CompleteOutcome>
  /** Sets a status that moves no money (pending, failed, expired), never over `paid`. */
  setStatus(sessionId: string, status: 'pending' | 'failed' | 'expired', at: string): Promise<void>
  setReceipt(paymentIntent: string, receiptUrl: string, at: string): Promise<void>
  /**
   * Takes back credit for a purchase until `takeBackNano` (cumulative, as the provider reports it)
   * has been taken: writes one entry of `kind` for the difference, if any. The balance may go
   * below zero (spent credit): the workspace is then refused until it is settled.
   */
  takeBack(input: {
    paymentIntent: string
    /** The purchase named in the payment's metadata: found by it when the payment intent is not yet known. */
    purchaseId?: string | undefined
    cumulativeNano: number
    refundedCents?: number
    disputed?: boolean
    kind: 'card_refund' | 'dispute'
    reason: string
    entryId: string
    at: string
  }): Promise<{ entry: TakenBack | null; purchase: PurchaseRecord | undefined }>
  /** Records a webhook event; false when it was recorded before. */
  recordEvent(eventId: string, type: string, outcome: string, at: string): Promise<boolean>
}

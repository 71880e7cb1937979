/**
 * Card purchases on either dialect. Each state change that moves money is one transaction with
 * its ledger entries, under the workspace's balance lock: a purchase is credited once (its
 * status moves from open/pending to paid in the same transaction, and the ledger's idempotency
 * key is the checkout session), and refunds and disputes take back exactly the difference
 * between what the payment provider reports and what was already taken back, so deliveries
 * in any order, number or concurrency add up to the same ledger.
 *
 * @module
 */
import type { Kysely } from 'kysely'
import { createLedgerSteps } from './ledger-steps.ts'
import type { PaymentRepository, PurchaseKind, PurchaseRecord, PurchaseStatus } from './payment-records.ts'
import type { DatabaseSchema, Dialect } from './schema.ts'
import type { LedgerEntryRecord } from './store.ts'

export type {
  CompleteOutcome,
  PaymentRepository,
  PurchaseKind,
  PurchaseRecord,
  PurchaseStatus,
} from './payment-records.ts'

function toPurchase(row: DatabaseSchema['purchases']): PurchaseRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    kind: row.kind as PurchaseKind,
    sessionId: row.session_id,
    paymentIntent: row.payment_intent,
    amountNano: Number(row.amount_nano),
    feeNano: Number(row.fee_nano),
    totalCents: Number(row.total_cents),
    currency: row.currency,
    status: row.status as PurchaseStatus,
    paidCents: Number(row.paid_cents),
    refundedCents: Number(row.refunded_cents),
    takenBackNano: Number(row.taken_back_nano),
    takeBackTargetNano: Number(row.take_back_target_nano),
    disputed: Number(row.disputed) === 1,
    receiptUrl: row.receipt_url,
    createdBy: row.created_by,
    createdAt: row.created_at,
    paidAt: row.paid_at,
  }
}

export function createPaymentRepository(db: Kysely<DatabaseSchema>, dialect: Dialect): PaymentRepository {
  const steps = createLedgerSteps(dialect)
  return {
    async createPurchase(purchase) {
      await db
        .insertInto('purchases')
        .values({
          id: purchase.id,
          workspace_id: purchase.workspaceId,
          kind: purchase.kind,
          session_id: purchase.sessionId,
          payment_intent: purchase.paymentIntent,
          amount_nano: purchase.amountNano,
          fee_nano: purchase.feeNano,
          total_cents: purchase.totalCents,
          currency: purchase.currency,
          status: purchase.status,
          paid_cents: 0,
          refunded_cents: 0,
          taken_back_nano: 0,
          take_back_target_nano: purchase.takeBackTargetNano,
          disputed: 0,
          receipt_url: null,
          created_by: purchase.createdBy,
          created_at: purchase.createdAt,
          paid_at: null,
          updated_at: purchase.createdAt,
        })
        .execute()
    },
    async findBySession(sessionId) {
      const row = await db
        .selectFrom('purchases')
        .selectAll()
        .where('session_id', '=', sessionId)
        .executeTakeFirst()
      return row === undefined ? undefined : toPurchase(row)
    },
    async findByPaymentIntent(paymentIntent) {
      const row = await db
        .selectFrom('purchases')
        .selectAll()
        .where('payment_intent', '=', paymentIntent)
        .executeTakeFirst()
      return row === undefined ? undefined : toPurchase(row)
    },
    async list(workspaceId, { limit, before }) {
      let query = db
        .selectFrom('purchases')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
      if (before !== undefined) {
        const anchor = await db
          .selectFrom('purchases')
          .select('created_at')
          .where('id', '=', before)
          .executeTakeFirst()
        if (anchor !== undefined) query = query.where('created_at', '<', anchor.created_at)
      }
      return (await query.execute()).map(toPurchase)
    },

    async complete({ sessionId, paidCents, paymentIntent, at, creditExpiresAt, entryIds }) {
      const found = await db
        .selectFrom('purchases')
        .select('workspace_id')
        .where('session_id', '=', sessionId)
        .executeTakeFirst()
      if (found === undefined) return 'unknown_session'
      return db.transaction().execute(async (trx) => {
        const balance = await steps.lockBalance(trx, found.workspace_id, at)
        // Under the balance lock: whoever comes second sees `paid` and writes nothing.
        const claimed = await trx
          .updateTable('purchases')
          .set({
            status: 'paid',
            paid_cents: paidCents,
            payment_intent: paymentIntent,
            paid_at: at,
            updated_at: at,
          })
          .where('session_id', '=', sessionId)
          .where('status', '!=', 'paid')
          .executeTakeFirst()
        if (Number(claimed.numUpdatedRows) === 0) return 'already_credited'
        const purchase = toPurchase(
          await trx
            .selectFrom('purchases')
            .selectAll()
            .where('session_id', '=', sessionId)
            .executeTakeFirstOrThrow(),
        )
        // What the buyer paid comes in as the purchase, and the fee goes out as its own entry:
        // the credits are exactly the amount bought.
        let running = balance.balanceNano
        const entries: [LedgerEntryRecord, string | null][] = []
        running += purchase.amountNano + purchase.feeNano
        entries.push([
          {
            id: entryIds[0],
            workspaceId: purchase.workspaceId,
            kind: 'purchase',
            amountNano: purchase.amountNano + purchase.feeNano,
            balanceAfterNano: running,
            reason: `card payment (${purchase.id})`,
            actor: 'stripe',
            idempotencyKey: `stripe:${sessionId}`,
            requestId: null,
            createdAt: at,
          },
          creditExpiresAt,
        ])
        if (purchase.feeNano > 0) {
          running -= purchase.feeNano
          entries.push([
            {
              id: entryIds[1],
              workspaceId: purchase.workspaceId,
              kind: 'purchase_fee',
              amountNano: -purchase.feeNano,
              balanceAfterNano: running,
              reason: `purchase fee (${purchase.id})`,
              actor: 'stripe',
              idempotencyKey: `stripe-fee:${sessionId}`,
              requestId: null,
              createdAt: at,
            },
            null,
          ])
        }
        // A refund or dispute reported before the payment (events arrive in any order) is taken now.
        const pending = Math.min(purchase.takeBackTargetNano, purchase.amountNano)
        if (pending > 0) {
          running -= pending
          entries.push([
            {
              id: entryIds[2],
              workspaceId: purchase.workspaceId,
              kind: purchase.disputed ? 'dispute' : 'card_refund',
              amountNano: -pending,
              balanceAfterNano: running,
              reason: `refunded or disputed before it was credited (${purchase.id})`,
              actor: 'stripe',
              idempotencyKey: `take-back:${purchase.id}:${pending}`,
              requestId: null,
              createdAt: at,
            },
            null,
          ])
          await trx
            .updateTable('purchases')
            .set({ taken_back_nano: pending })
            .where('id', '=', purchase.id)
            .execute()
        }
        for (const [entry, expiresAt] of entries) await steps.insertEntry(trx, entry, expiresAt)
        await steps.writeBalance(
          trx,
          purchase.workspaceId,
          { balanceNano: running, heldNano: balance.heldNano },
          at,
        )
        return 'credited'
      })
    },

    async setStatus(sessionId, status, at) {
      await db
        .updateTable('purchases')
        .set({ status, updated_at: at })
        .where('session_id', '=', sessionId)
        .where('status', '!=', 'paid')
        .execute()
    },
    async setReceipt(paymentIntent, receiptUrl, at) {
      await db
        .updateTable('purchases')
        .set({ receipt_url: receiptUrl, updated_at: at })
        .where('payment_intent', '=', paymentIntent)
        .execute()
    },

    async takeBack(input) {
      let found = await db
        .selectFrom('purchases')
        .select('workspace_id')
        .where('payment_intent', '=', input.paymentIntent)
        .executeTakeFirst()
      if (found === undefined && input.purchaseId !== undefined) {
        // Events arrive in any order: a refund can name the payment before the checkout's event did.
        await db
          .updateTable('purchases')
          .set({ payment_intent: input.paymentIntent })
          .where('id', '=', input.purchaseId)
          .where('payment_intent', 'is', null)
          .execute()
        found = await db
          .selectFrom('purchases')
          .select('workspace_id')
          .where('payment_intent', '=', input.paymentIntent)
          .executeTakeFirst()
      }
      if (found === undefined) return { entry: null, purchase: undefined }
      return db.transaction().execute(async (trx) => {
        const balance = await steps.lockBalance(trx, found.workspace_id, input.at)
        const purchase = toPurchase(
          await trx
            .selectFrom('purchases')
            .selectAll()
            .where('payment_intent', '=', input.paymentIntent)
            .executeTakeFirstOrThrow(),
        )
        // Never more than was credited, never the same part twice; before the payment is credited
        // only the target is kept (complete() takes it).
        const target = Math.min(
          Math.max(input.cumulativeNano, purchase.takeBackTargetNano),
          purchase.amountNano,
        )
        const delta = purchase.status === 'paid' ? target - purchase.takenBackNano : 0
        await trx
          .updateTable('purchases')
          .set({
            take_back_target_nano: target,
            taken_back_nano: purchase.takenBackNano + Math.max(delta, 0),
            refunded_cents: Math.max(input.refundedCents ?? 0, purchase.refundedCents),
            disputed: input.disputed === true || purchase.disputed ? 1 : 0,
            updated_at: input.at,
          })
          .where('id', '=', purchase.id)
          .execute()
        if (delta <= 0) return { entry: null, purchase }
        const entry: LedgerEntryRecord = {
          id: input.entryId,
          workspaceId: purchase.workspaceId,
          kind: input.kind,
          amountNano: -delta,
          balanceAfterNano: balance.balanceNano - delta,
          reason: input.reason,
          actor: 'stripe',
          idempotencyKey: `${input.kind}:${purchase.id}:${target}`,
          requestId: null,
          createdAt: input.at,
        }
        await steps.insertEntry(trx, entry)
        await steps.writeBalance(
          trx,
          purchase.workspaceId,
          { balanceNano: entry.balanceAfterNano, heldNano: balance.heldNano },
          input.at,
        )
        return { entry, purchase: { ...purchase, takenBackNano: purchase.takenBackNano + delta } }
      })
    },

    async recordEvent(eventId, type, outcome, at) {
      const inserted = await db
        .insertInto('payment_events')
        .values({ event_id: eventId, type, outcome: outcome.slice(0, 200), received_at: at })
        .onConflict((conflict) => conflict.column('event_id').doNothing())
        .executeTakeFirst()
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1
    },
  }
}

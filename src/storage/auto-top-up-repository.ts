/**
 * Auto top-up on either dialect: a workspace's settings and saved card, and its attempts. A charge
 * is claimed with one conditional UPDATE (enabled, below the threshold, and no attempt since
 * `notAfter`), so at most one starts per interval whatever the number of instances or concurrent
 * settlement batches; a failure is counted once per attempt (the purchase leaves `open` once).
 *
 * @module
 */
import type { Kysely, Selectable } from 'kysely'
import type { DatabaseSchema } from './schema.ts'

/** A workspace's auto top-up as stored. */
export interface AutoTopUpSettings {
  workspaceId: string
  enabled: boolean
  /** Charge when the available balance (balance − holds) is below this, nano-USD; null: never set. */
  thresholdNano: number | null
  /** Credits to buy per charge, nano-USD (the purchase fee is added on top). */
  amountNano: number | null
  /** The workspace's Stripe customer (kept when the card is forgotten). */
  customerId: string | null
  /** The saved card; null: none. */
  paymentMethod: string | null
  cardBrand: string | null
  cardLast4: string | null
  lastAttemptAt: string | null
  lastAttemptId: string | null
  /** Failed charges in a row. */
  failures: number
  /** Why auto top-up was switched off by the gateway (failures, card removed); null otherwise. */
  disabledReason: string | null
  updatedAt: string
}

/** A card saved from a paid checkout. */
export interface SavedCard {
  customerId: string
  paymentMethod: string
  brand: string
  last4: string
}

export interface AutoTopUpRepository {
  find(workspaceId: string): Promise<AutoTopUpSettings | undefined>
  /** Stores the workspace's Stripe customer unless one is stored; answers the stored one. */
  claimCustomer(workspaceId: string, customerId: string, at: string): Promise<string>
  /** Saves (or replaces) the card; failures start again from zero. Enables nothing. */
  saveCard(workspaceId: string, card: SavedCard, at: string): Promise<void>
  /** Forgets the card and switches auto top-up off; answers the settings before. */
  forgetCard(workspaceId: string, reason: string, at: string): Promise<AutoTopUpSettings | undefined>
  /**
   * Sets enabled, threshold and amount. Enabling needs a saved card (`no_card` otherwise) and
   * starts the failure count again.
   */
  configure(
    workspaceId: string,
    input: { enabled: boolean; thresholdNano: number; amountNano: number },
    at: string,
  ): Promise<'ok' | 'no_card'>
  /**
   * Claims a charge: one conditional UPDATE that succeeds only when auto top-up is on with a card,
   * `availableNano` is below the threshold and the last attempt is not after `notAfter`. Answers
   * the claimed settings, or undefined when another batch or instance got there first.
   */
  claimAttempt(input: {
    workspaceId: string
    attemptId: string
    availableNano: number
    notAfter: string
    at: string
  }): Promise<AutoTopUpSettings | undefined>
  /** Names the attempt's PaymentIntent on its purchase (refunds and receipts find it by it). */
  attachPaymentIntent(purchaseId: string, paymentIntent: string, at: string): Promise<void>
  /**
   * A failed charge: the purchase marked failed and the failure counted, once per purchase
   * (`counted` false for a second report); at `maxFailures` in a row auto top-up is switched off
   * with `reason` (`switchedOff` true for the report that did it).
   */
  recordFailure(input: {
    workspaceId: string
    purchaseId: string
    paymentIntent: string | null
    maxFailures: number
    reason: string
    at: string
  }): Promise<{ counted: boolean; failures: number; switchedOff: boolean }>
  /** A charge succeeded: the failure count starts again. */
  recordSuccess(workspaceId: string, at: string): Promise<void>
}

const nullableNumber = (value: number | string | null): number | null =>
  value === null ? null : Number(value)

function toSettings(row: Selectable<DatabaseSchema['auto_top_ups']>): AutoTopUpSettings {
  return {
    workspaceId: row.workspace_id,
    enabled: Number(row.enabled) === 1,
    thresholdNano: nullableNumber(row.threshold_nano),
    amountNano: nullableNumber(row.amount_nano),
    customerId: row.customer_id,
    paymentMethod: row.payment_method,
    cardBrand: row.card_brand,
    cardLast4: row.card_last4,
    lastAttemptAt: row.last_attempt_at,
    lastAttemptId: row.last_attempt_id,
    failures: Number(row.failures),
    disabledReason: row.disabled_reason,
    updatedAt: row.updated_at,
  }
}

export function createAutoTopUpRepository(db: Kysely<DatabaseSchema>): AutoTopUpRepository {
  const changed = (result: { numUpdatedRows: bigint }) => Number(result.numUpdatedRows) > 0
  /** The workspace's row, created empty if missing (a lost race inserts nothing). */
  async function ensureRow(executor: Kysely<DatabaseSchema>, workspaceId: string, at: string) {
    await executor
      .insertInto('auto_top_ups')
      .values({ workspace_id: workspaceId, updated_at: at })
      .onConflict((conflict) => conflict.column('workspace_id').doNothing())
      .execute()
  }
  async function find(workspaceId: string) {
    const row = await db
      .selectFrom('auto_top_ups')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst()
    return row === undefined ? undefined : toSettings(row)
  }

  return {
    find,

    async claimCustomer(workspaceId, customerId, at) {
      await ensureRow(db, workspaceId, at)
      await db
        .updateTable('auto_top_ups')
        .set({ customer_id: customerId, updated_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', 'is', null)
        .execute()
      return (await find(workspaceId))?.customerId ?? customerId
    },

    async saveCard(workspaceId, card, at) {
      await ensureRow(db, workspaceId, at)
      await db
        .updateTable('auto_top_ups')
        .set({
          customer_id: card.customerId,
          payment_method: card.paymentMethod,
          card_brand: card.brand.slice(0, 32),
          card_last4: card.last4.slice(0, 4),
          failures: 0,
          updated_at: at,
        })
        .where('workspace_id', '=', workspaceId)
        .execute()
    },

    async forgetCard(workspaceId, reason, at) {
      const before = await find(workspaceId)
      if (before === undefined) return undefined
      await db
        .updateTable('auto_top_ups')
        .set({
          payment_method: null,
          card_brand: null,
          card_last4: null,
          enabled: 0,
          disabled_reason: before.enabled ? reason : before.disabledReason,
          updated_at: at,
        })
        .where('workspace_id', '=', workspaceId)
        .execute()
      return before
    },

    async configure(workspaceId, input, at) {
      await ensureRow(db, workspaceId, at)
      if (!input.enabled) {
        await db
          .updateTable('auto_top_ups')
          .set({
            enabled: 0,
            threshold_nano: input.thresholdNano,
            amount_nano: input.amountNano,
            updated_at: at,
          })
          .where('workspace_id', '=', workspaceId)
          .execute()
        return 'ok'
      }
      // The card is checked in the same statement that enables: a card forgotten concurrently
      // cannot leave auto top-up on without one.
      const enabled = await db
        .updateTable('auto_top_ups')
        .set({
          enabled: 1,
          threshold_nano: input.thresholdNano,
          amount_nano: input.amountNano,
          failures: 0,
          disabled_reason: null,
          updated_at: at,
        })
        .where('workspace_id', '=', workspaceId)
        .where('payment_method', 'is not', null)
        .executeTakeFirst()
      return changed(enabled) ? 'ok' : 'no_card'
    },

    async claimAttempt({ workspaceId, attemptId, availableNano, notAfter, at }) {
      // ISO-8601 UTC strings compare as times on both engines.
      const claimed = await db
        .updateTable('auto_top_ups')
        .set({ last_attempt_at: at, last_attempt_id: attemptId, updated_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('enabled', '=', 1)
        .where('payment_method', 'is not', null)
        .where('threshold_nano', '>', availableNano)
        .where((where) =>
          where.or([where('last_attempt_at', 'is', null), where('last_attempt_at', '<=', notAfter)]),
        )
        .executeTakeFirst()
      if (!changed(claimed)) return undefined
      const settings = await find(workspaceId)
      return settings?.lastAttemptId === attemptId ? settings : undefined
    },

    async attachPaymentIntent(purchaseId, paymentIntent, at) {
      await db
        .updateTable('purchases')
        .set({ payment_intent: paymentIntent, updated_at: at })
        .where('id', '=', purchaseId)
        .where('payment_intent', 'is', null)
        .execute()
    },

    recordFailure({ workspaceId, purchaseId, paymentIntent, maxFailures, reason, at }) {
      return db.transaction().execute(async (trx) => {
        // The SDK's card error and the `payment_intent.payment_failed` webhook both report the
        // same failure: only the report that moves the purchase out of open/pending counts it.
        const failed = await trx
          .updateTable('purchases')
          .set({ status: 'failed', updated_at: at })
          .where('id', '=', purchaseId)
          .where('status', 'in', ['open', 'pending'])
          .executeTakeFirst()
        if (paymentIntent !== null)
          await trx
            .updateTable('purchases')
            .set({ payment_intent: paymentIntent })
            .where('id', '=', purchaseId)
            .where('payment_intent', 'is', null)
            .execute()
        const counted = changed(failed)
        if (counted)
          await trx
            .updateTable('auto_top_ups')
            .set((eb) => ({ failures: eb('failures', '+', 1), updated_at: at }))
            .where('workspace_id', '=', workspaceId)
            .execute()
        const switchedOff =
          counted &&
          changed(
            await trx
              .updateTable('auto_top_ups')
              .set({ enabled: 0, disabled_reason: reason, updated_at: at })
              .where('workspace_id', '=', workspaceId)
              .where('enabled', '=', 1)
              .where('failures', '>=', maxFailures)
              .executeTakeFirst(),
          )
        const row = await trx
          .selectFrom('auto_top_ups')
          .select('failures')
          .where('workspace_id', '=', workspaceId)
          .executeTakeFirst()
        return { counted, failures: Number(row?.failures ?? 0), switchedOff }
      })
    },

    async recordSuccess(workspaceId, at) {
      await db
        .updateTable('auto_top_ups')
        .set({ failures: 0, updated_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('failures', '>', 0)
        .execute()
    },
  }
}

/**
 * The ledger's upkeep, off the request path: heartbeats of this instance's holds, reclaiming a
 * silent instance's holds, expiring credit, and the audit behind `onekey ledger verify`
 * (balances against entries, holds and lots; usage entries against their request-log rows).
 *
 * @module
 */
import { type Kysely, sql } from 'kysely'
import { reclaimInstanceBudgetHolds, verifyBudgetHolds } from './budget-steps.ts'
import type { LedgerSteps } from './ledger-steps.ts'
import type { DatabaseSchema } from './schema.ts'
import type {
  BalanceMismatch,
  BudgetMismatch,
  LedgerEntryRecord,
  LedgerRepository,
  UsageMismatch,
} from './store.ts'

type Upkeep = Pick<LedgerRepository, 'heartbeat' | 'reclaimStale' | 'expireCredits' | 'verify'>

export function createLedgerUpkeep(db: Kysely<DatabaseSchema>, steps: LedgerSteps): Upkeep {
  /**
   * Usage entries (since `since`) whose amount is not the sum of the charges on the request-log
   * rows that name them, and charged rows that name no entry.
   */
  async function verifyUsage(since: string): Promise<UsageMismatch[]> {
    const charged = sql<number>`coalesce(sum(logs.charged_nano), 0)`
    const entries = await db
      .selectFrom('ledger_entries as entries')
      .leftJoin('request_logs as logs', 'logs.ledger_entry_id', 'entries.id')
      .select(['entries.id', 'entries.workspace_id', 'entries.amount_nano', charged.as('rows_nano')])
      .where('entries.kind', '=', 'usage')
      .where('entries.created_at', '>=', since)
      .groupBy(['entries.id', 'entries.workspace_id', 'entries.amount_nano'])
      .having(sql<boolean>`${charged} <> -entries.amount_nano`)
      .execute()
    const orphans = await db
      .selectFrom('request_logs as logs')
      .leftJoin('ledger_entries as entries', 'entries.id', 'logs.ledger_entry_id')
      .select(['logs.ledger_entry_id', 'logs.workspace_id', charged.as('rows_nano')])
      .where((eb) =>
        eb.or([
          eb.and([eb('logs.ledger_entry_id', 'is not', null), eb('entries.id', 'is', null)]),
          eb.and([eb('logs.ledger_entry_id', 'is', null), eb('logs.charged_nano', '<>', 0)]),
        ]),
      )
      .where('logs.created_at', '>=', since)
      .groupBy(['logs.ledger_entry_id', 'logs.workspace_id'])
      .execute()
    return [
      ...entries.map((row) => ({
        kind: 'usage' as const,
        workspaceId: row.workspace_id,
        entryId: row.id,
        entryNano: -Number(row.amount_nano),
        rowsNano: Number(row.rows_nano),
      })),
      ...orphans.map((row) => ({
        kind: 'usage' as const,
        workspaceId: row.workspace_id,
        entryId: row.ledger_entry_id ?? '(none)',
        entryNano: 0,
        rowsNano: Number(row.rows_nano),
      })),
    ]
  }
  return {
    async heartbeat(instanceId, at) {
      await db
        .updateTable('instance_holds')
        .set({ heartbeat_at: at })
        .where('instance_id', '=', instanceId)
        .execute()
    },

    async reclaimStale(staleBefore) {
      const stale = await db
        .selectFrom('instance_holds')
        .select(['instance_id', 'workspace_id'])
        .where('heartbeat_at', '<', staleBefore)
        .limit(1_000)
        .execute()
      const reclaimed: { instanceId: string; workspaceId: string; heldNano: number }[] = []
      for (const row of stale) {
        const heldNano = await db.transaction().execute(async (trx) => {
          const balance = await steps.lockBalance(trx, row.workspace_id, staleBefore)
          // Under the lock: the instance may have come back, or another sweeper got here first.
          const current = await trx
            .selectFrom('instance_holds')
            .select(['held_nano', 'heartbeat_at'])
            .where('instance_id', '=', row.instance_id)
            .where('workspace_id', '=', row.workspace_id)
            .executeTakeFirst()
          if (current === undefined || current.heartbeat_at >= staleBefore) return undefined
          const held = Number(current.held_nano)
          await trx
            .deleteFrom('instance_holds')
            .where('instance_id', '=', row.instance_id)
            .where('workspace_id', '=', row.workspace_id)
            .execute()
          await reclaimInstanceBudgetHolds(trx, row.instance_id, row.workspace_id)
          if (held > 0) {
            await steps.writeBalance(
              trx,
              row.workspace_id,
              { ...balance, heldNano: balance.heldNano - held },
              staleBefore,
            )
          }
          return held
        })
        if (heldNano !== undefined && heldNano > 0) {
          reclaimed.push({ instanceId: row.instance_id, workspaceId: row.workspace_id, heldNano })
        }
      }
      return reclaimed
    },

    async expireCredits(now, limit) {
      const due = await db
        .selectFrom('credit_lots')
        .select(['id', 'workspace_id'])
        .where('expires_at', '<=', now)
        .where('remaining_nano', '>', 0)
        .orderBy('expires_at')
        .limit(limit)
        .execute()
      const written: LedgerEntryRecord[] = []
      for (const { id, workspace_id: workspaceId } of due) {
        const entry = await db.transaction().execute(async (trx) => {
          const balance = await steps.lockBalance(trx, workspaceId, now)
          const lot = await trx
            .selectFrom('credit_lots')
            .selectAll()
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
          // Never below what open holds need: the rest expires after they settle.
          const amount = Math.min(
            Number(lot.remaining_nano),
            Math.max(balance.balanceNano - balance.heldNano, 0),
          )
          if (amount <= 0) return undefined
          await trx
            .updateTable('credit_lots')
            .set((eb) => ({ remaining_nano: eb('remaining_nano', '-', amount) }))
            .where('id', '=', id)
            .execute()
          const record: LedgerEntryRecord = {
            id: `le_exp_${id}_${Number(lot.remaining_nano)}`,
            workspaceId,
            kind: 'expiry',
            amountNano: -amount,
            balanceAfterNano: balance.balanceNano - amount,
            reason: `credit from ${lot.entry_id} expired ${lot.expires_at}`,
            actor: 'system:expiry',
            idempotencyKey: null,
            requestId: null,
            createdAt: now,
          }
          // The lot was reduced above; the entry must not consume other lots again.
          await trx
            .insertInto('ledger_entries')
            .values({
              id: record.id,
              workspace_id: workspaceId,
              kind: record.kind,
              amount_nano: record.amountNano,
              balance_after_nano: record.balanceAfterNano,
              reason: record.reason,
              actor: record.actor,
              idempotency_key: null,
              request_id: null,
              created_at: now,
            })
            .execute()
          await steps.writeBalance(
            trx,
            workspaceId,
            { balanceNano: record.balanceAfterNano, heldNano: balance.heldNano },
            now,
          )
          return record
        })
        if (entry !== undefined) written.push(entry)
      }
      return written
    },

    async verify(options = {}) {
      const rows = await db
        .selectFrom('workspace_balances as balances')
        .select([
          'balances.workspace_id',
          'balances.balance_nano',
          'balances.held_nano',
          (eb) =>
            eb
              .selectFrom('ledger_entries')
              .select((inner) =>
                inner.fn.coalesce(inner.fn.sum<number>('amount_nano'), inner.lit(0)).as('total'),
              )
              .whereRef('ledger_entries.workspace_id', '=', 'balances.workspace_id')
              .as('ledger_sum'),
          (eb) =>
            eb
              .selectFrom('instance_holds')
              .select((inner) =>
                inner.fn.coalesce(inner.fn.sum<number>('held_nano'), inner.lit(0)).as('total'),
              )
              .whereRef('instance_holds.workspace_id', '=', 'balances.workspace_id')
              .as('open_holds'),
          (eb) =>
            eb
              .selectFrom('credit_lots')
              .select((inner) =>
                inner.fn.coalesce(inner.fn.sum<number>('remaining_nano'), inner.lit(0)).as('total'),
              )
              .whereRef('credit_lots.workspace_id', '=', 'balances.workspace_id')
              .as('lots_remaining'),
        ])
        .execute()
      const balances: (BalanceMismatch | UsageMismatch | BudgetMismatch)[] = rows
        .map((row) => ({
          kind: 'balance' as const,
          workspaceId: row.workspace_id,
          balanceNano: Number(row.balance_nano),
          ledgerSumNano: Number(row.ledger_sum ?? 0),
          heldNano: Number(row.held_nano),
          openHoldsNano: Number(row.open_holds ?? 0),
          lotsRemainingNano: Number(row.lots_remaining ?? 0),
        }))
        .filter(
          (row) =>
            row.balanceNano !== row.ledgerSumNano ||
            row.heldNano !== row.openHoldsNano ||
            // a balance at or above zero is exactly what is left of its credit lots
            (row.balanceNano >= 0 && row.lotsRemainingNano !== row.balanceNano),
        )
      return [...balances, ...(await verifyUsage(options.usageSince ?? '')), ...(await verifyBudgetHolds(db))]
    },
  }
}

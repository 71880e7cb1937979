/**
 * The ledger, balances and holds on either dialect. Every change to money is one transaction
 * whose first statement locks the workspace's balance row (a write on SQLite, which takes the
 * database write lock; a row lock on PostgreSQL), so checks and writes cannot interleave across
 * requests, processes or instances.
 *
 * @module
 */
import type { Kysely, Selectable } from 'kysely'
import type { SpendObservation } from '../contracts/alert-events.ts'
import { activeBudgets, firstRefusal, openBudgets, releaseBudgetHolds, scopesOf } from './budget-holds.ts'
import type { BudgetRecord } from './budget-records.ts'
import { moveInstanceBudgetHeld, readBudgets, writeBudget } from './budget-steps.ts'
import { checkAmount, createLedgerSteps } from './ledger-steps.ts'
import { createLedgerUpkeep } from './ledger-upkeep.ts'
import type { DatabaseSchema, Dialect, LedgerEntriesTable } from './schema.ts'
import {
  InsufficientFundsError,
  type LedgerEntryRecord,
  type LedgerKind,
  type LedgerRepository,
  type RequestLogRecord,
  type ReserveResult,
} from './store.ts'

function toEntry(row: Selectable<LedgerEntriesTable>): LedgerEntryRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    kind: row.kind as LedgerKind,
    amountNano: Number(row.amount_nano),
    balanceAfterNano: Number(row.balance_after_nano),
    reason: row.reason,
    actor: row.actor,
    idempotencyKey: row.idempotency_key,
    requestId: row.request_id,
    createdAt: row.created_at,
  }
}

const NO_BUDGETS: ReadonlyMap<string, BudgetRecord> = new Map<string, BudgetRecord>()

/**
 * Items grouped by workspace, the groups in ascending workspace ID order (each group's items in
 * arrival order). A batch locks its workspaces' balance rows in this one global order, so two
 * instances whose batches share workspaces wait for each other instead of deadlocking.
 */
function byWorkspace<T>(items: readonly T[], keyOf: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = keyOf(item)
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [item])
    else group.push(item)
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

export function createLedgerRepository(db: Kysely<DatabaseSchema>, dialect: Dialect): LedgerRepository {
  const steps = createLedgerSteps(dialect)

  return {
    ...createLedgerUpkeep(db, steps),
    async createCodes(codes) {
      for (const code of codes) checkAmount(code.amountNano, 'code amount')
      await db.transaction().execute(async (trx) => {
        for (let start = 0; start < codes.length; start += 200) {
          await trx
            .insertInto('credit_codes')
            .values(
              codes.slice(start, start + 200).map((code) => ({
                code_hash: code.codeHash,
                prefix: code.prefix,
                batch_id: code.batchId,
                amount_nano: code.amountNano,
                expires_at: code.expiresAt,
                created_at: code.createdAt,
                redeemed_by: null,
                redeemed_at: null,
              })),
            )
            .execute()
        }
      })
    },

    async redeemCode({ codeHash, workspaceId, entryId, actor, at, creditExpiresAt }) {
      return db.transaction().execute(async (trx) => {
        const balance = await steps.lockBalance(trx, workspaceId, at)
        const code = await trx
          .selectFrom('credit_codes')
          .selectAll()
          .where('code_hash', '=', codeHash)
          .executeTakeFirst()
        if (code === undefined) return { status: 'unknown' as const }
        const idempotencyKey = `code:${codeHash.slice(0, 32)}`
        if (code.redeemed_by !== null) {
          if (code.redeemed_by !== workspaceId) return { status: 'used' as const }
          const earlier = await trx
            .selectFrom('ledger_entries')
            .selectAll()
            .where('workspace_id', '=', workspaceId)
            .where('idempotency_key', '=', idempotencyKey)
            .executeTakeFirstOrThrow()
          return { status: 'replayed' as const, entry: toEntry(earlier) }
        }
        if (code.revoked_at !== null) return { status: 'revoked' as const }
        if (code.expires_at !== null && code.expires_at <= at) return { status: 'expired' as const }
        // Unused and not revoked, checked again in the update: a concurrent revoke or redemption wins once.
        const claimed = await trx
          .updateTable('credit_codes')
          .set({ redeemed_by: workspaceId, redeemed_at: at })
          .where('code_hash', '=', codeHash)
          .where('redeemed_by', 'is', null)
          .where('revoked_at', 'is', null)
          .executeTakeFirst()
        if (Number(claimed.numUpdatedRows) === 0) {
          const after = await trx
            .selectFrom('credit_codes')
            .select('revoked_at')
            .where('code_hash', '=', codeHash)
            .executeTakeFirst()
          const revoked = after !== undefined && after.revoked_at !== null
          return { status: revoked ? ('revoked' as const) : ('used' as const) }
        }
        const amountNano = Number(code.amount_nano)
        const entry: LedgerEntryRecord = {
          id: entryId,
          workspaceId,
          kind: 'redemption',
          amountNano,
          balanceAfterNano: balance.balanceNano + amountNano,
          reason: `credit code ${code.prefix}… (batch ${code.batch_id})`,
          actor,
          idempotencyKey,
          requestId: null,
          createdAt: at,
        }
        await steps.insertEntry(trx, entry, creditExpiresAt)
        await steps.writeBalance(
          trx,
          workspaceId,
          { balanceNano: entry.balanceAfterNano, heldNano: balance.heldNano },
          at,
        )
        return { status: 'redeemed' as const, entry }
      })
    },

    async open(workspaceId, at) {
      await db
        .insertInto('workspace_balances')
        .values({ workspace_id: workspaceId, balance_nano: 0, held_nano: 0, updated_at: at })
        .onConflict((conflict) => conflict.column('workspace_id').doNothing())
        .execute()
    },

    async append(entries, options = {}) {
      if (entries.length === 0) return { entries: [], replayed: false }
      const workspaceId = entries[0]!.workspaceId
      for (const entry of entries) {
        if (entry.workspaceId !== workspaceId) throw new Error('append: one workspace per call')
        checkAmount(entry.amountNano, 'amount')
      }
      return db.transaction().execute(async (trx) => {
        const at = entries[0]!.createdAt
        const balance = await steps.lockBalance(trx, workspaceId, at)
        const key = entries[0]!.idempotencyKey
        if (key !== null) {
          const existing = await trx
            .selectFrom('ledger_entries')
            .selectAll()
            .where('workspace_id', '=', workspaceId)
            .where(
              'idempotency_key',
              'in',
              entries.map((entry) => entry.idempotencyKey ?? key),
            )
            .orderBy('created_at')
            .orderBy('id')
            .execute()
          if (existing.length > 0) return { entries: existing.map(toEntry), replayed: true }
        }
        const total = entries.reduce((sum, entry) => sum + entry.amountNano, 0)
        const available = balance.balanceNano - balance.heldNano
        if (total < 0 && !options.allowNegative && available + total < 0) {
          throw new InsufficientFundsError(Math.max(available, 0))
        }
        let running = balance.balanceNano
        const written: LedgerEntryRecord[] = []
        for (const entry of entries) {
          running += entry.amountNano
          const { creditExpiresAt = null, ...fields } = entry
          const record: LedgerEntryRecord = { ...fields, balanceAfterNano: running }
          await steps.insertEntry(trx, record, creditExpiresAt)
          written.push(record)
        }
        await steps.writeBalance(trx, workspaceId, { balanceNano: running, heldNano: balance.heldNano }, at)
        return { entries: written, replayed: false }
      })
    },

    async balance(workspaceId) {
      const row = await db
        .selectFrom('workspace_balances')
        .select(['balance_nano', 'held_nano'])
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst()
      return row === undefined
        ? { balanceNano: 0, heldNano: 0 }
        : { balanceNano: Number(row.balance_nano), heldNano: Number(row.held_nano) }
    },

    async list(workspaceId, { limit, before }) {
      let query = db
        .selectFrom('ledger_entries')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
      if (before !== undefined) {
        const anchor = await db
          .selectFrom('ledger_entries')
          .select(['created_at', 'id'])
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', before)
          .executeTakeFirst()
        if (anchor === undefined) return []
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '<', anchor.created_at),
            eb.and([eb('created_at', '=', anchor.created_at), eb('id', '<', anchor.id)]),
          ]),
        )
      }
      return (await query.execute()).map(toEntry)
    },

    async reserveMany(instanceId, holds, at) {
      if (holds.length === 0) return []
      for (const hold of holds) {
        checkAmount(hold.amountNano, 'hold')
        checkAmount(hold.extraNano ?? 0, 'headroom')
      }
      return db.transaction().execute(async (trx) => {
        const results: ReserveResult[] = []
        const indexes = byWorkspace(
          holds.map((hold, index) => ({ hold, index })),
          (item) => item.hold.workspaceId,
        )
        for (const [workspaceId, list] of indexes) {
          const balance = await steps.lockBalance(trx, workspaceId, at)
          // Spend limits of the batch's keys and workspace, read under the balance lock.
          const budgets = list.some((item) => (item.hold.budgetScopes?.length ?? 0) > 0)
            ? await readBudgets(trx, scopesOf(list.map((item) => item.hold)), new Date(at))
            : NO_BUDGETS
          const budgetHeld = new Map<string, number>()
          let granted = 0
          let headroomGranted = false
          // In arrival order: each hold is granted while what is free covers it.
          for (const { hold, index } of list) {
            const available = balance.balanceNano - balance.heldNano - granted
            if (hold.amountNano > available) {
              results[index] = { reserved: false, availableNano: Math.max(available, 0) }
              continue
            }
            const limited = activeBudgets(budgets, hold.budgetScopes)
            const refusal = firstRefusal(limited, hold.amountNano, new Date(at))
            if (refusal !== undefined) {
              results[index] = { reserved: false, availableNano: Math.max(available, 0), budget: refusal }
              continue
            }
            for (const budget of limited) {
              budget.heldNano += hold.amountNano
              budgetHeld.set(budget.scopeId, (budgetHeld.get(budget.scopeId) ?? 0) + hold.amountNano)
            }
            // Headroom only where it cannot starve anyone: near the limit, every hold is exact.
            // Once per workspace and batch: the instance pools it for all its requests. Never for a
            // hold under a spend limit: each of those is checked here.
            const wanted = headroomGranted || limited.length > 0 ? 0 : (hold.extraNano ?? 0)
            const extraNano = wanted > 0 && available - hold.amountNano >= 4 * wanted ? wanted : 0
            if (extraNano > 0) headroomGranted = true
            granted += hold.amountNano + extraNano
            results[index] = { reserved: true, extraNano }
          }
          if (granted > 0) {
            await steps.writeBalance(
              trx,
              workspaceId,
              { ...balance, heldNano: balance.heldNano + granted },
              at,
            )
            await steps.raiseInstanceHeld(trx, instanceId, workspaceId, granted, at)
          }
          for (const [scopeId, amount] of budgetHeld) {
            await writeBudget(trx, budgets.get(scopeId)!, at)
            await moveInstanceBudgetHeld(trx, instanceId, workspaceId, scopeId, amount)
          }
        }
        return results
      })
    },

    async settleMany(instanceId, settlements) {
      if (settlements.length === 0) return { charges: [], observations: [] }
      for (const settlement of settlements) {
        checkAmount(settlement.costNano, 'cost')
        checkAmount(settlement.holdNano, 'hold')
      }
      return db.transaction().execute(async (trx) => {
        const results: { chargedNano: number }[] = []
        const observations: SpendObservation[] = []
        const entries: LedgerEntryRecord[] = []
        const rows: RequestLogRecord[] = []
        const groups = byWorkspace(
          settlements.map((settlement, index) => ({ settlement, index })),
          (item) => item.settlement.workspaceId,
        )
        for (const [workspaceId, list] of groups) {
          const first = list[0]!.settlement
          const at = first.at
          const balance = await steps.lockBalance(trx, workspaceId, at)
          // What this instance still holds here (less if a sweeper reclaimed it meanwhile).
          let instanceHeld = await steps.instanceHeld(trx, instanceId, workspaceId)
          const limits = await openBudgets(trx, instanceId, list, at)
          let { balanceNano, heldNano } = balance
          let chargedTotal = 0
          let releasedTotal = 0
          let charges = 0
          let chargedRequest: string | null = null
          for (const { settlement, index } of list) {
            const holdAmount = Math.min(settlement.holdNano, instanceHeld)
            // Never below zero: at most the hold plus what is free beyond every open hold; and
            // never past a spend limit: at most its hold plus what the limit leaves.
            const free = Math.max(balanceNano - heldNano, 0)
            const chargedNano = Math.max(
              Math.min(
                settlement.costNano,
                holdAmount + free,
                limits?.cap(settlement) ?? Number.MAX_SAFE_INTEGER,
              ),
              0,
            )
            limits?.charge(settlement, chargedNano)
            balanceNano -= chargedNano
            heldNano -= holdAmount
            instanceHeld -= holdAmount
            chargedTotal += chargedNano
            releasedTotal += holdAmount
            if (chargedNano > 0) {
              charges++
              chargedRequest = settlement.record.requestId
            }
            results[index] = { chargedNano }
            rows.push({
              ...settlement.record,
              chargedNano,
              ledgerEntryId: chargedNano > 0 ? first.entryId : null,
            })
          }
          if (chargedTotal > 0) {
            // One entry for the batch's charges in this workspace: each request's share is on its row.
            entries.push({
              id: first.entryId,
              workspaceId,
              kind: 'usage',
              amountNano: -chargedTotal,
              balanceAfterNano: balanceNano,
              reason: `usage: ${charges} request${charges === 1 ? '' : 's'}`,
              actor: 'system:usage',
              idempotencyKey: null,
              // One request: the entry names it, as a per-request charge did.
              requestId: charges === 1 ? chargedRequest : null,
              createdAt: at,
            })
            await steps.consumeLots(trx, workspaceId, chargedTotal)
          }
          await steps.writeBalance(trx, workspaceId, { balanceNano, heldNano }, at)
          if (releasedTotal > 0) await steps.lowerInstanceHeld(trx, instanceId, workspaceId, releasedTotal)
          observations.push({
            workspaceId,
            balanceBeforeNano: balance.balanceNano,
            balanceAfterNano: balanceNano,
            heldAfterNano: heldNano,
            budgets: limits === undefined ? [] : await limits.write(),
            entryId: first.entryId,
            at,
          })
        }
        await steps.insertEntryRows(trx, entries)
        await steps.insertRequestLogRows(trx, rows)
        return { charges: results, observations }
      })
    },

    async releaseMany(instanceId, holds, at) {
      if (holds.length === 0) return
      await db.transaction().execute(async (trx) => {
        for (const [workspaceId, list] of byWorkspace(holds, (hold) => hold.workspaceId)) {
          const balance = await steps.lockBalance(trx, workspaceId, at)
          await releaseBudgetHolds(trx, instanceId, workspaceId, list)
          const instanceHeld = await steps.instanceHeld(trx, instanceId, workspaceId)
          const amount = Math.min(
            list.reduce((sum, hold) => sum + hold.amountNano, 0),
            instanceHeld,
          )
          if (amount <= 0) continue
          await steps.writeBalance(trx, workspaceId, { ...balance, heldNano: balance.heldNano - amount }, at)
          await steps.lowerInstanceHeld(trx, instanceId, workspaceId, amount)
        }
      })
    },
  }
}

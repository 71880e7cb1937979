/**
 * The ledger, balances and holds on either dialect. Every change to money is one transaction
 * whose first statement locks the workspace's balance row (a write on SQLite, which takes the
 * database write lock; a row lock on PostgreSQL), so checks and writes cannot interleave across
 * requests, processes or instances.
 *
 * @module
 */
import { type Kysely, type Selectable, sql } from 'kysely'
import { checkAmount, createLedgerSteps } from './ledger-steps.ts'
import type { DatabaseSchema, Dialect, LedgerEntriesTable } from './schema.ts'
import {
  type BalanceMismatch,
  InsufficientFundsError,
  type LedgerEntryRecord,
  type LedgerKind,
  type LedgerRepository,
  type RequestLogRecord,
  type UsageMismatch,
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

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = keyOf(item)
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [item])
    else group.push(item)
  }
  return groups
}

export function createLedgerRepository(db: Kysely<DatabaseSchema>, dialect: Dialect): LedgerRepository {
  const steps = createLedgerSteps(dialect)

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
        if (code.expires_at !== null && code.expires_at <= at) return { status: 'expired' as const }
        const claimed = await trx
          .updateTable('credit_codes')
          .set({ redeemed_by: workspaceId, redeemed_at: at })
          .where('code_hash', '=', codeHash)
          .where('redeemed_by', 'is', null)
          .executeTakeFirst()
        if (Number(claimed.numUpdatedRows) === 0) return { status: 'used' as const }
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
        const results: (
          | { reserved: true; extraNano: number }
          | { reserved: false; availableNano: number }
        )[] = []
        const indexes = groupBy(
          holds.map((hold, index) => ({ hold, index })),
          (item) => item.hold.workspaceId,
        )
        for (const [workspaceId, list] of indexes) {
          const balance = await steps.lockBalance(trx, workspaceId, at)
          let granted = 0
          let headroomGranted = false
          // In arrival order: each hold is granted while what is free covers it.
          for (const { hold, index } of list) {
            const available = balance.balanceNano - balance.heldNano - granted
            if (hold.amountNano <= available) {
              // Headroom only where it cannot starve anyone: near the limit, every hold is exact.
              // Once per workspace and batch: the instance pools it for all its requests.
              const wanted = headroomGranted ? 0 : (hold.extraNano ?? 0)
              const extraNano = wanted > 0 && available - hold.amountNano >= 4 * wanted ? wanted : 0
              if (extraNano > 0) headroomGranted = true
              granted += hold.amountNano + extraNano
              results[index] = { reserved: true, extraNano }
            } else {
              results[index] = { reserved: false, availableNano: Math.max(available, 0) }
            }
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
        }
        return results
      })
    },

    async settleMany(instanceId, settlements) {
      if (settlements.length === 0) return []
      for (const settlement of settlements) {
        checkAmount(settlement.costNano, 'cost')
        checkAmount(settlement.holdNano, 'hold')
      }
      return db.transaction().execute(async (trx) => {
        const results: { chargedNano: number }[] = []
        const entries: LedgerEntryRecord[] = []
        const rows: RequestLogRecord[] = []
        const groups = groupBy(
          settlements.map((settlement, index) => ({ settlement, index })),
          (item) => item.settlement.workspaceId,
        )
        for (const [workspaceId, list] of groups) {
          const first = list[0]!.settlement
          const at = first.at
          const balance = await steps.lockBalance(trx, workspaceId, at)
          // What this instance still holds here (less if a sweeper reclaimed it meanwhile).
          let instanceHeld = await steps.instanceHeld(trx, instanceId, workspaceId)
          let { balanceNano, heldNano } = balance
          let chargedTotal = 0
          let releasedTotal = 0
          let charges = 0
          let chargedRequest: string | null = null
          for (const { settlement, index } of list) {
            const holdAmount = Math.min(settlement.holdNano, instanceHeld)
            // Never below zero: at most the hold plus what is free beyond every open hold.
            const free = Math.max(balanceNano - heldNano, 0)
            const chargedNano = Math.max(Math.min(settlement.costNano, holdAmount + free), 0)
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
        }
        await steps.insertEntryRows(trx, entries)
        await steps.insertRequestLogRows(trx, rows)
        return results
      })
    },

    async releaseMany(instanceId, holds, at) {
      if (holds.length === 0) return
      await db.transaction().execute(async (trx) => {
        for (const [workspaceId, list] of groupBy(holds, (hold) => hold.workspaceId)) {
          const balance = await steps.lockBalance(trx, workspaceId, at)
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
      const balances: (BalanceMismatch | UsageMismatch)[] = rows
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
      return [...balances, ...(await verifyUsage(options.usageSince ?? ''))]
    },
  }
}

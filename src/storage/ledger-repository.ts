/**
 * The ledger, balances and holds on either dialect. Every change to money is one transaction
 * whose first statement locks the workspace's balance row (a write on SQLite, which takes the
 * database write lock; a row lock on PostgreSQL), so checks and writes cannot interleave across
 * requests, processes or instances.
 *
 * @module
 */
import type { Kysely, Selectable, Transaction } from 'kysely'
import { insertRows } from './raw-insert.ts'
import { rawStatement } from './raw-statement.ts'
import type { DatabaseSchema, Dialect, LedgerEntriesTable } from './schema.ts'
import {
  type Balance,
  InsufficientFundsError,
  type LedgerEntryRecord,
  type LedgerKind,
  type LedgerRepository,
} from './store.ts'

type Database = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>

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

function checkAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value))
    throw new RangeError(`${what} must be a safe integer of nano-USD, got ${value}`)
}

/** The statements every reservation and settlement runs, as plain SQL (raw-statement.ts). */
function ledgerStatements(dialect: Dialect) {
  return {
    touchBalance: rawStatement<{ balance_nano: number | string; held_nano: number | string }>(
      dialect,
      'update workspace_balances set updated_at = ? where workspace_id = ? returning balance_nano, held_nano',
    ),
    openBalance: rawStatement(
      dialect,
      'insert into workspace_balances (workspace_id, balance_nano, held_nano, updated_at) values (?, 0, 0, ?) on conflict (workspace_id) do nothing',
    ),
    writeBalance: rawStatement(
      dialect,
      'update workspace_balances set balance_nano = ?, held_nano = ?, updated_at = ? where workspace_id = ?',
    ),
    openLots: rawStatement<{ id: string; remaining_nano: number | string }>(
      dialect,
      // Soonest expiry first; lots that never expire last.
      'select id, remaining_nano from credit_lots where workspace_id = ? and remaining_nano > 0 order by case when expires_at is null then 1 else 0 end, expires_at, created_at, id',
    ),
    takeFromLot: rawStatement(
      dialect,
      'update credit_lots set remaining_nano = remaining_nano - ? where id = ?',
    ),
    instanceHeld: rawStatement<{ held_nano: number | string }>(
      dialect,
      'select held_nano from instance_holds where instance_id = ? and workspace_id = ?',
    ),
    raiseInstanceHeld: rawStatement(
      dialect,
      'insert into instance_holds (instance_id, workspace_id, held_nano, heartbeat_at) values (?, ?, ?, ?) on conflict (instance_id, workspace_id) do update set held_nano = instance_holds.held_nano + excluded.held_nano, heartbeat_at = excluded.heartbeat_at',
    ),
    lowerInstanceHeld: rawStatement(
      dialect,
      'update instance_holds set held_nano = held_nano - ? where instance_id = ? and workspace_id = ?',
    ),
  }
}

type LedgerStatements = ReturnType<typeof ledgerStatements>

/** Locks the workspace's balance row and returns it (creating it at zero if missing). */
async function lockBalance(
  statements: LedgerStatements,
  trx: Database,
  workspaceId: string,
  at: string,
): Promise<Balance> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const row = (await statements.touchBalance(trx, [at, workspaceId])).rows[0]
    if (row !== undefined) return { balanceNano: Number(row.balance_nano), heldNano: Number(row.held_nano) }
    await statements.openBalance(trx, [workspaceId, at])
  }
  throw new Error(`no balance row for workspace ${workspaceId}`)
}

async function writeBalance(
  statements: LedgerStatements,
  trx: Database,
  workspaceId: string,
  balance: Balance,
  at: string,
): Promise<void> {
  checkAmount(balance.balanceNano, 'balance')
  await statements.writeBalance(trx, [balance.balanceNano, balance.heldNano, at, workspaceId])
}

/** A credit becomes a lot; a debit consumes lots soonest-expiring first (never-expiring last). */
async function moveLots(
  statements: LedgerStatements,
  trx: Database,
  entry: LedgerEntryRecord,
  creditExpiresAt: string | null,
): Promise<void> {
  if (entry.amountNano > 0) {
    await trx
      .insertInto('credit_lots')
      .values({
        id: `lot_${entry.id}`,
        workspace_id: entry.workspaceId,
        entry_id: entry.id,
        amount_nano: entry.amountNano,
        remaining_nano: entry.amountNano,
        expires_at: creditExpiresAt,
        created_at: entry.createdAt,
      })
      .execute()
    return
  }
  await consumeLots(statements, trx, entry.workspaceId, -entry.amountNano)
}

/** Takes `amountNano` from the workspace's lots, soonest expiry first. */
async function consumeLots(
  statements: LedgerStatements,
  trx: Database,
  workspaceId: string,
  amountNano: number,
): Promise<void> {
  let left = amountNano
  const lots = (await statements.openLots(trx, [workspaceId])).rows
  for (const lot of lots) {
    if (left <= 0) break
    const take = Math.min(left, Number(lot.remaining_nano))
    await statements.takeFromLot(trx, [take, lot.id])
    left -= take
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

async function instanceHeldNano(
  statements: LedgerStatements,
  trx: Database,
  instanceId: string,
  workspaceId: string,
): Promise<number> {
  const row = (await statements.instanceHeld(trx, [instanceId, workspaceId])).rows[0]
  return row === undefined ? 0 : Number(row.held_nano)
}

const ENTRY_COLUMNS = [
  'id',
  'workspace_id',
  'kind',
  'amount_nano',
  'balance_after_nano',
  'reason',
  'actor',
  'idempotency_key',
  'request_id',
  'created_at',
] as const

/** Ledger rows whose lots and balance the caller already moved. */
async function insertEntryRows(
  trx: Database,
  dialect: Dialect,
  entries: readonly LedgerEntryRecord[],
): Promise<void> {
  await insertRows(
    trx as Transaction<unknown>,
    dialect,
    'ledger_entries',
    ENTRY_COLUMNS,
    entries.map((entry) => [
      entry.id,
      entry.workspaceId,
      entry.kind,
      entry.amountNano,
      entry.balanceAfterNano,
      entry.reason,
      entry.actor,
      entry.idempotencyKey,
      entry.requestId,
      entry.createdAt,
    ]),
  )
}

async function insertEntry(
  statements: LedgerStatements,
  trx: Database,
  entry: LedgerEntryRecord,
  creditExpiresAt: string | null = null,
): Promise<void> {
  await moveLots(statements, trx, entry, creditExpiresAt)
  await trx
    .insertInto('ledger_entries')
    .values({
      id: entry.id,
      workspace_id: entry.workspaceId,
      kind: entry.kind,
      amount_nano: entry.amountNano,
      balance_after_nano: entry.balanceAfterNano,
      reason: entry.reason,
      actor: entry.actor,
      idempotency_key: entry.idempotencyKey,
      request_id: entry.requestId,
      created_at: entry.createdAt,
    })
    .execute()
}

export function createLedgerRepository(db: Kysely<DatabaseSchema>, dialect: Dialect): LedgerRepository {
  const statements = ledgerStatements(dialect)
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
        const balance = await lockBalance(statements, trx, workspaceId, at)
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
        await insertEntry(statements, trx, entry, creditExpiresAt)
        await writeBalance(
          statements,
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
        const balance = await lockBalance(statements, trx, workspaceId, at)
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
          await insertEntry(statements, trx, record, creditExpiresAt)
          written.push(record)
        }
        await writeBalance(
          statements,
          trx,
          workspaceId,
          { balanceNano: running, heldNano: balance.heldNano },
          at,
        )
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
          const balance = await lockBalance(statements, trx, workspaceId, at)
          let granted = 0
          // In arrival order: each hold is granted while what is free covers it.
          for (const { hold, index } of list) {
            const available = balance.balanceNano - balance.heldNano - granted
            if (hold.amountNano <= available) {
              // Headroom only where it cannot starve anyone: near the limit, every hold is exact.
              const wanted = hold.extraNano ?? 0
              const extraNano = wanted > 0 && available - hold.amountNano >= 4 * wanted ? wanted : 0
              granted += hold.amountNano + extraNano
              results[index] = { reserved: true, extraNano }
            } else {
              results[index] = { reserved: false, availableNano: Math.max(available, 0) }
            }
          }
          if (granted > 0) {
            await writeBalance(
              statements,
              trx,
              workspaceId,
              { ...balance, heldNano: balance.heldNano + granted },
              at,
            )
            await statements.raiseInstanceHeld(trx, [instanceId, workspaceId, granted, at])
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
        const groups = groupBy(
          settlements.map((settlement, index) => ({ settlement, index })),
          (item) => item.settlement.workspaceId,
        )
        for (const [workspaceId, list] of groups) {
          const at = list[0]!.settlement.at
          const balance = await lockBalance(statements, trx, workspaceId, at)
          // What this instance still holds here (less if a sweeper reclaimed it meanwhile).
          let instanceHeld = await instanceHeldNano(statements, trx, instanceId, workspaceId)
          let { balanceNano, heldNano } = balance
          let chargedTotal = 0
          let releasedTotal = 0
          for (const { settlement, index } of list) {
            const holdAmount = Math.min(settlement.holdNano, instanceHeld)
            // Never below zero: at most the hold plus what is free beyond every open hold.
            const free = Math.max(balanceNano - heldNano, 0)
            const chargedNano = Math.min(settlement.costNano, holdAmount + free)
            balanceNano -= chargedNano
            heldNano -= holdAmount
            instanceHeld -= holdAmount
            chargedTotal += chargedNano
            releasedTotal += holdAmount
            results[index] = { chargedNano }
            if (chargedNano > 0) {
              entries.push({
                id: settlement.entryId,
                workspaceId,
                kind: 'charge',
                amountNano: -chargedNano,
                balanceAfterNano: balanceNano,
                reason: settlement.reason,
                actor: settlement.actor,
                idempotencyKey: settlement.idempotencyKey,
                requestId: settlement.requestId,
                createdAt: settlement.at,
              })
            }
          }
          if (chargedTotal > 0) await consumeLots(statements, trx, workspaceId, chargedTotal)
          await writeBalance(statements, trx, workspaceId, { balanceNano, heldNano }, at)
          if (releasedTotal > 0)
            await statements.lowerInstanceHeld(trx, [releasedTotal, instanceId, workspaceId])
        }
        await insertEntryRows(trx, dialect, entries)
        return results
      })
    },

    async releaseMany(instanceId, holds, at) {
      if (holds.length === 0) return
      await db.transaction().execute(async (trx) => {
        for (const [workspaceId, list] of groupBy(holds, (hold) => hold.workspaceId)) {
          const balance = await lockBalance(statements, trx, workspaceId, at)
          const instanceHeld = await instanceHeldNano(statements, trx, instanceId, workspaceId)
          const amount = Math.min(
            list.reduce((sum, hold) => sum + hold.amountNano, 0),
            instanceHeld,
          )
          if (amount <= 0) continue
          await writeBalance(
            statements,
            trx,
            workspaceId,
            { ...balance, heldNano: balance.heldNano - amount },
            at,
          )
          await statements.lowerInstanceHeld(trx, [amount, instanceId, workspaceId])
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
          const balance = await lockBalance(statements, trx, row.workspace_id, staleBefore)
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
            await writeBalance(
              statements,
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
          const balance = await lockBalance(statements, trx, workspaceId, now)
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
          await writeBalance(
            statements,
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

    async verify() {
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
      return rows
        .map((row) => ({
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
    },
  }
}

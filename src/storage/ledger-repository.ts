/**
 * The ledger, balances and holds on either dialect. Every change to money is one transaction
 * whose first statement locks the workspace's balance row (a write on SQLite, which takes the
 * database write lock; a row lock on PostgreSQL), so checks and writes cannot interleave across
 * requests, processes or instances.
 *
 * @module
 */
import type { Kysely, Selectable, Transaction } from 'kysely'
import type { DatabaseSchema, HoldsTable, LedgerEntriesTable } from './schema.ts'
import {
  type Balance,
  type HoldRecord,
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

function toHold(row: Selectable<HoldsTable>): HoldRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    requestId: row.request_id,
    amountNano: Number(row.amount_nano),
    status: row.status as HoldRecord['status'],
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
  }
}

function checkAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value))
    throw new RangeError(`${what} must be a safe integer of nano-USD, got ${value}`)
}

/** Locks the workspace's balance row and returns it (creating it at zero if missing). */
async function lockBalance(trx: Database, workspaceId: string, at: string): Promise<Balance> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const row = await trx
      .updateTable('workspace_balances')
      .set({ updated_at: at })
      .where('workspace_id', '=', workspaceId)
      .returning(['balance_nano', 'held_nano'])
      .executeTakeFirst()
    if (row !== undefined) return { balanceNano: Number(row.balance_nano), heldNano: Number(row.held_nano) }
    await trx
      .insertInto('workspace_balances')
      .values({ workspace_id: workspaceId, balance_nano: 0, held_nano: 0, updated_at: at })
      .onConflict((conflict) => conflict.column('workspace_id').doNothing())
      .execute()
  }
  throw new Error(`no balance row for workspace ${workspaceId}`)
}

async function writeBalance(trx: Database, workspaceId: string, balance: Balance, at: string): Promise<void> {
  checkAmount(balance.balanceNano, 'balance')
  await trx
    .updateTable('workspace_balances')
    .set({ balance_nano: balance.balanceNano, held_nano: balance.heldNano, updated_at: at })
    .where('workspace_id', '=', workspaceId)
    .execute()
}

/** A credit becomes a lot; a debit consumes lots soonest-expiring first (never-expiring last). */
async function moveLots(
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
  await consumeLots(trx, entry.workspaceId, -entry.amountNano)
}

/** Takes `amountNano` from the workspace's lots, soonest expiry first. */
async function consumeLots(trx: Database, workspaceId: string, amountNano: number): Promise<void> {
  let left = amountNano
  const lots = await trx
    .selectFrom('credit_lots')
    .select(['id', 'remaining_nano'])
    .where('workspace_id', '=', workspaceId)
    .where('remaining_nano', '>', 0)
    // Soonest expiry first; lots that never expire last.
    .orderBy((eb) => eb.case().when('expires_at', 'is', null).then(1).else(0).end())
    .orderBy('expires_at')
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  for (const lot of lots) {
    if (left <= 0) break
    const take = Math.min(left, Number(lot.remaining_nano))
    await trx
      .updateTable('credit_lots')
      .set((eb) => ({ remaining_nano: eb('remaining_nano', '-', take) }))
      .where('id', '=', lot.id)
      .execute()
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

/** Hold ID → workspace ID, for the holds that exist. */
async function holdWorkspaces(trx: Database, holdIds: readonly string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>()
  for (let start = 0; start < holdIds.length; start += 500) {
    const rows = await trx
      .selectFrom('holds')
      .select(['id', 'workspace_id'])
      .where('id', 'in', holdIds.slice(start, start + 500))
      .execute()
    for (const row of rows) result.set(row.id, row.workspace_id)
  }
  return result
}

async function readHolds(trx: Database, holdIds: readonly string[]): Promise<Map<string, HoldRecord>> {
  const result = new Map<string, HoldRecord>()
  for (let start = 0; start < holdIds.length; start += 500) {
    const rows = await trx
      .selectFrom('holds')
      .selectAll()
      .where('id', 'in', holdIds.slice(start, start + 500))
      .execute()
    for (const row of rows) result.set(row.id, toHold(row))
  }
  return result
}

/** Ledger rows whose lots and balance the caller already moved. */
async function insertEntryRows(trx: Database, entries: readonly LedgerEntryRecord[]): Promise<void> {
  for (let start = 0; start < entries.length; start += 200) {
    await trx
      .insertInto('ledger_entries')
      .values(
        entries.slice(start, start + 200).map((entry) => ({
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
        })),
      )
      .execute()
  }
}

async function insertEntry(
  trx: Database,
  entry: LedgerEntryRecord,
  creditExpiresAt: string | null = null,
): Promise<void> {
  await moveLots(trx, entry, creditExpiresAt)
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

export function createLedgerRepository(db: Kysely<DatabaseSchema>): LedgerRepository {
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
        const balance = await lockBalance(trx, workspaceId, at)
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
        await insertEntry(trx, entry, creditExpiresAt)
        await writeBalance(
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
        const balance = await lockBalance(trx, workspaceId, at)
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
          await insertEntry(trx, record, creditExpiresAt)
          written.push(record)
        }
        await writeBalance(trx, workspaceId, { balanceNano: running, heldNano: balance.heldNano }, at)
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

    async reserve(hold) {
      return (await this.reserveMany([hold]))[0]!
    },

    async reserveMany(holds) {
      if (holds.length === 0) return []
      for (const hold of holds) checkAmount(hold.amountNano, 'hold')
      return db.transaction().execute(async (trx) => {
        const results = new Map<string, { reserved: true } | { reserved: false; availableNano: number }>()
        const granted: (typeof holds)[number][] = []
        for (const [workspaceId, list] of groupBy(holds, (hold) => hold.workspaceId)) {
          const at = list[0]!.createdAt
          const balance = await lockBalance(trx, workspaceId, at)
          let held = balance.heldNano
          // In arrival order: each hold is granted while what is free covers it.
          for (const hold of list) {
            const available = balance.balanceNano - held
            if (hold.amountNano <= available) {
              held += hold.amountNano
              granted.push(hold)
              results.set(hold.id, { reserved: true })
            } else {
              results.set(hold.id, { reserved: false, availableNano: Math.max(available, 0) })
            }
          }
          if (held !== balance.heldNano) {
            await writeBalance(trx, workspaceId, { balanceNano: balance.balanceNano, heldNano: held }, at)
          }
        }
        for (let start = 0; start < granted.length; start += 200) {
          await trx
            .insertInto('holds')
            .values(
              granted.slice(start, start + 200).map((hold) => ({
                id: hold.id,
                workspace_id: hold.workspaceId,
                request_id: hold.requestId,
                amount_nano: hold.amountNano,
                status: 'open',
                expires_at: hold.expiresAt,
                created_at: hold.createdAt,
                resolved_at: null,
              })),
            )
            .execute()
        }
        return holds.map((hold) => results.get(hold.id)!)
      })
    },

    async settle(holdId, charge) {
      return (await this.settleMany([{ holdId, ...charge }]))[0]!
    },

    async settleMany(settlements) {
      if (settlements.length === 0) return []
      for (const settlement of settlements) checkAmount(settlement.costNano, 'cost')
      return db.transaction().execute(async (trx) => {
        const results = new Map<string, { chargedNano: number; alreadySettled: boolean }>()
        const workspaceOf = await holdWorkspaces(
          trx,
          settlements.map((settlement) => settlement.holdId),
        )
        const entries: LedgerEntryRecord[] = []
        const settledIds: string[] = []
        const settledSet = new Set<string>()
        const known = settlements.filter((settlement) => workspaceOf.has(settlement.holdId))
        for (const settlement of settlements) {
          if (!workspaceOf.has(settlement.holdId)) throw new Error(`no hold ${settlement.holdId}`)
        }
        for (const [workspaceId, list] of groupBy(
          known,
          (settlement) => workspaceOf.get(settlement.holdId)!,
        )) {
          const at = list[0]!.at
          // Lock first, then read the holds: every change to a hold locks its workspace's row first.
          const balance = await lockBalance(trx, workspaceId, at)
          const holds = await readHolds(
            trx,
            list.map((settlement) => settlement.holdId),
          )
          let { balanceNano, heldNano } = balance
          let chargedTotal = 0
          for (const settlement of list) {
            const hold = holds.get(settlement.holdId)!
            if (hold.status === 'settled' || settledSet.has(hold.id)) {
              results.set(settlement.holdId, { chargedNano: 0, alreadySettled: true })
              continue
            }
            const holdAmount = hold.status === 'open' ? hold.amountNano : 0
            // Never below zero: at most the hold plus what is free beyond every open hold.
            const free = Math.max(balanceNano - heldNano, 0)
            const chargedNano = Math.min(settlement.costNano, holdAmount + free)
            balanceNano -= chargedNano
            heldNano -= holdAmount
            chargedTotal += chargedNano
            settledIds.push(hold.id)
            settledSet.add(hold.id)
            results.set(settlement.holdId, { chargedNano, alreadySettled: false })
            if (chargedNano > 0) {
              entries.push({
                id: settlement.entryId,
                workspaceId,
                kind: 'charge',
                amountNano: -chargedNano,
                balanceAfterNano: balanceNano,
                reason: settlement.reason,
                actor: settlement.actor,
                idempotencyKey: `charge:${hold.id}`,
                requestId: settlement.requestId,
                createdAt: settlement.at,
              })
            }
          }
          if (chargedTotal > 0) await consumeLots(trx, workspaceId, chargedTotal)
          await writeBalance(trx, workspaceId, { balanceNano, heldNano }, at)
        }
        for (let start = 0; start < settledIds.length; start += 200) {
          await trx
            .updateTable('holds')
            .set({ status: 'settled', resolved_at: settlements[0]!.at })
            .where('id', 'in', settledIds.slice(start, start + 200))
            .execute()
        }
        await insertEntryRows(trx, entries)
        return settlements.map((settlement) => results.get(settlement.holdId)!)
      })
    },

    async release(holdId, at) {
      return (await this.releaseMany([holdId], at))[0]!
    },

    async releaseMany(holdIds, at) {
      if (holdIds.length === 0) return []
      return db.transaction().execute(async (trx) => {
        const workspaceOf = await holdWorkspaces(trx, holdIds)
        const released = new Set<string>()
        const known = holdIds.filter((id) => workspaceOf.has(id))
        for (const [workspaceId, ids] of groupBy(known, (id) => workspaceOf.get(id)!)) {
          const balance = await lockBalance(trx, workspaceId, at)
          const holds = await readHolds(trx, ids)
          let freed = 0
          for (const hold of holds.values()) {
            if (hold.status !== 'open' || released.has(hold.id)) continue
            released.add(hold.id)
            freed += hold.amountNano
          }
          if (freed > 0) {
            await writeBalance(
              trx,
              workspaceId,
              { balanceNano: balance.balanceNano, heldNano: balance.heldNano - freed },
              at,
            )
          }
        }
        const ids = [...released]
        for (let start = 0; start < ids.length; start += 200) {
          await trx
            .updateTable('holds')
            .set({ status: 'released', resolved_at: at })
            .where('id', 'in', ids.slice(start, start + 200))
            .execute()
        }
        return holdIds.map((id) => released.has(id))
      })
    },

    async renew(holdIds, expiresAt) {
      if (holdIds.length === 0) return
      await db
        .updateTable('holds')
        .set({ expires_at: expiresAt })
        .where('id', 'in', [...holdIds])
        .where('status', '=', 'open')
        .execute()
    },

    async releaseExpired(now, limit) {
      const expired = await db
        .selectFrom('holds')
        .selectAll()
        .where('status', '=', 'open')
        .where('expires_at', '<', now)
        .orderBy('expires_at')
        .limit(limit)
        .execute()
      const released: HoldRecord[] = []
      for (const row of expired) {
        if (await this.release(row.id, now))
          released.push({ ...toHold(row), status: 'released', resolvedAt: now })
      }
      return released
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
          const balance = await lockBalance(trx, workspaceId, now)
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
              .selectFrom('holds')
              .select((inner) =>
                inner.fn.coalesce(inner.fn.sum<number>('amount_nano'), inner.lit(0)).as('total'),
              )
              .whereRef('holds.workspace_id', '=', 'balances.workspace_id')
              .where('holds.status', '=', 'open')
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

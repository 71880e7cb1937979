/**
 * The steps every money transaction is made of, for one dialect: lock and write a workspace's
 * balance, move credit lots, read and move an instance's hold, append ledger rows. The
 * repository (ledger-repository.ts) runs them inside its transactions, the balance lock first.
 * What reservations and settlements run on every batch is fixed plain SQL (raw-statement.ts):
 * built with the query builder, each statement allocated kilobytes and cost more CPU than
 * SQLite took to run it.
 *
 * @module
 */
import type { Kysely, Transaction } from 'kysely'
import { type InsertColumns, insertRows } from './raw-insert.ts'
import { rawStatement } from './raw-statement.ts'
import { REQUEST_LOG_COLUMNS, requestLogValues } from './request-log-repository.ts'
import type { DatabaseSchema, Dialect } from './schema.ts'
import type { Balance, LedgerEntryRecord, RequestLogRecord } from './store.ts'

export type Database = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>

export function checkAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value))
    throw new RangeError(`${what} must be a safe integer of nano-USD, got ${value}`)
}

/** The columns a ledger row writes, in the order of its values below. */
export const LEDGER_ENTRY_COLUMNS: InsertColumns = {
  id: 'text',
  workspace_id: 'text',
  kind: 'text',
  amount_nano: 'int8',
  balance_after_nano: 'int8',
  reason: 'text',
  actor: 'text',
  idempotency_key: 'text',
  request_id: 'text',
  created_at: 'text',
}

type Amount = number | string

export type LedgerSteps = ReturnType<typeof createLedgerSteps>

export function createLedgerSteps(dialect: Dialect) {
  const touchBalance = rawStatement<{ balance_nano: Amount; held_nano: Amount }>(
    dialect,
    'update workspace_balances set updated_at = ? where workspace_id = ? returning balance_nano, held_nano',
  )
  const openBalance = rawStatement(
    dialect,
    'insert into workspace_balances (workspace_id, balance_nano, held_nano, updated_at) values (?, 0, 0, ?) on conflict (workspace_id) do nothing',
  )
  const updateBalance = rawStatement(
    dialect,
    'update workspace_balances set balance_nano = ?, held_nano = ?, updated_at = ? where workspace_id = ?',
  )
  const openLots = rawStatement<{ id: string; remaining_nano: Amount }>(
    dialect,
    // Soonest expiry first; lots that never expire last.
    'select id, remaining_nano from credit_lots where workspace_id = ? and remaining_nano > 0 order by case when expires_at is null then 1 else 0 end, expires_at, created_at, id',
  )
  const takeFromLot = rawStatement(
    dialect,
    'update credit_lots set remaining_nano = remaining_nano - ? where id = ?',
  )
  const selectInstanceHeld = rawStatement<{ held_nano: Amount }>(
    dialect,
    'select held_nano from instance_holds where instance_id = ? and workspace_id = ?',
  )
  const addInstanceHeld = rawStatement(
    dialect,
    'insert into instance_holds (instance_id, workspace_id, held_nano, heartbeat_at) values (?, ?, ?, ?) on conflict (instance_id, workspace_id) do update set held_nano = instance_holds.held_nano + excluded.held_nano, heartbeat_at = excluded.heartbeat_at',
  )
  const subtractInstanceHeld = rawStatement(
    dialect,
    'update instance_holds set held_nano = held_nano - ? where instance_id = ? and workspace_id = ?',
  )

  /** Takes `amountNano` from the workspace's lots, soonest expiry first. */
  async function consumeLots(trx: Database, workspaceId: string, amountNano: number): Promise<void> {
    let left = amountNano
    for (const lot of (await openLots(trx, [workspaceId])).rows) {
      if (left <= 0) break
      const take = Math.min(left, Number(lot.remaining_nano))
      await takeFromLot(trx, [take, lot.id])
      left -= take
    }
  }

  /** Ledger rows whose lots and balance the caller already moved. */
  async function insertEntryRows(trx: Database, entries: readonly LedgerEntryRecord[]): Promise<void> {
    await insertRows(
      trx as Transaction<unknown>,
      dialect,
      'ledger_entries',
      LEDGER_ENTRY_COLUMNS,
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

  /**
   * Request-log rows of settled requests, with their charges. No conflict clause: a replayed
   * settlement fails on the primary key instead of charging twice.
   */
  async function insertRequestLogRows(trx: Database, rows: readonly RequestLogRecord[]): Promise<void> {
    await insertRows(
      trx as Transaction<unknown>,
      dialect,
      'request_logs',
      REQUEST_LOG_COLUMNS,
      rows.map(requestLogValues),
    )
  }

  return {
    /** Locks the workspace's balance row and returns it (creating it at zero if missing). */
    async lockBalance(trx: Database, workspaceId: string, at: string): Promise<Balance> {
      for (let attempt = 0; attempt < 2; attempt++) {
        const row = (await touchBalance(trx, [at, workspaceId])).rows[0]
        if (row !== undefined)
          return { balanceNano: Number(row.balance_nano), heldNano: Number(row.held_nano) }
        await openBalance(trx, [workspaceId, at])
      }
      throw new Error(`no balance row for workspace ${workspaceId}`)
    },

    async writeBalance(trx: Database, workspaceId: string, balance: Balance, at: string): Promise<void> {
      checkAmount(balance.balanceNano, 'balance')
      await updateBalance(trx, [balance.balanceNano, balance.heldNano, at, workspaceId])
    },

    consumeLots,

    /** What `instanceId` holds for the workspace (0 when nothing). */
    async instanceHeld(trx: Database, instanceId: string, workspaceId: string): Promise<number> {
      const row = (await selectInstanceHeld(trx, [instanceId, workspaceId])).rows[0]
      return row === undefined ? 0 : Number(row.held_nano)
    },

    async raiseInstanceHeld(
      trx: Database,
      instanceId: string,
      workspaceId: string,
      amountNano: number,
      at: string,
    ): Promise<void> {
      await addInstanceHeld(trx, [instanceId, workspaceId, amountNano, at])
    },

    async lowerInstanceHeld(
      trx: Database,
      instanceId: string,
      workspaceId: string,
      amountNano: number,
    ): Promise<void> {
      await subtractInstanceHeld(trx, [amountNano, instanceId, workspaceId])
    },

    insertEntryRows,

    insertRequestLogRows,

    /**
     * One ledger row with its lots: a credit becomes a lot; a debit consumes lots soonest-expiring
     * first (never-expiring last). The caller writes the balance.
     */
    async insertEntry(trx: Database, entry: LedgerEntryRecord, creditExpiresAt: string | null = null) {
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
      } else {
        await consumeLots(trx, entry.workspaceId, -entry.amountNano)
      }
      await insertEntryRows(trx, [entry])
    },
  }
}

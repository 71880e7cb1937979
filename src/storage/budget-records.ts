/**
 * Spend limits of API keys and workspaces: the records and the repository interface
 * (implemented in budget-repository.ts). No import of store.ts, so the Store can name it
 * without a circle.
 *
 * @module
 */
import type { BudgetPeriod } from '../contracts/alert-events.ts'

/** One period's limit (null: none) and counter. */
export interface BudgetPeriodState {
  limitNano: number | null
  /** Spent in the period containing the time asked about (zero once a new period began). */
  spentNano: number
  /** When that period began. */
  start: string
}

/** A key's or workspace's limits, counters and what running requests hold against them. */
export interface BudgetRecord {
  scope: 'key' | 'workspace'
  /** The key's ID, or the workspace's. */
  scopeId: string
  workspaceId: string
  /** Any limit set (authentication sends such a key's holds through storage). */
  active: boolean
  heldNano: number
  periods: Record<BudgetPeriod, BudgetPeriodState>
  updatedAt: string
}

/** Limits to set, nano-USD; null removes one. */
export type BudgetLimits = Record<BudgetPeriod, number | null>

export interface BudgetRepository {
  /**
   * Sets a scope's limits under its workspace's balance lock. A scope limited for the first time
   * (or again after every limit was removed) starts its counters from the request log's charges
   * (of the key, or of the workspace) in each current period.
   */
  set(input: {
    scope: 'key' | 'workspace'
    scopeId: string
    workspaceId: string
    limits: BudgetLimits
    at: string
  }): Promise<BudgetRecord>
  /** Scopes' budgets as of `at` (counters of ended periods read zero); missing scopes are absent. */
  find(scopeIds: readonly string[], at: string): Promise<Map<string, BudgetRecord>>
  /**
   * What the request log says a key (or the whole workspace) was charged in each period
   * containing `at`: for scopes without an active limit, whose counters are not kept.
   */
  charged(input: {
    scope: 'key' | 'workspace'
    scopeId: string
    workspaceId: string
    at: string
  }): Promise<Record<BudgetPeriod, number>>
  /** Every budget of a workspace (its own and its keys') as of `at`. */
  list(workspaceId: string, at: string): Promise<BudgetRecord[]>
}

/**
 * Spend limits inside a batch of reservations, settlements or releases of one workspace (the
 * ledger repository calls these after locking the workspace's balance): which limits a hold
 * counts against, the cap a limit puts on a charge, and moving held and spent with the balance.
 *
 * @module
 */
import type { BudgetObservation } from '../contracts/alert-events.ts'
import type { BudgetRecord } from './budget-records.ts'
import {
  addSpent,
  budgetObservations,
  budgetRefusal,
  budgetRoom,
  cloneBudget,
  instanceBudgetHeld,
  moveInstanceBudgetHeld,
  readBudgets,
  writeBudget,
} from './budget-steps.ts'
import type { Database } from './ledger-steps.ts'
import type { BudgetRefusal, HoldRequest, Settlement } from './store.ts'

const NO_SCOPES: readonly string[] = []

/** Every spend-limit scope named by a batch's holds or settlements, once each. */
export function scopesOf(items: readonly { budgetScopes?: readonly string[] | null }[]): string[] {
  const scopes = new Set<string>()
  for (const item of items) for (const scope of item.budgetScopes ?? NO_SCOPES) scopes.add(scope)
  return [...scopes]
}

/** The budgets among `scopes` that have a limit set. */
export function activeBudgets(
  budgets: ReadonlyMap<string, BudgetRecord>,
  scopes: readonly string[] | null | undefined,
): BudgetRecord[] {
  const found: BudgetRecord[] = []
  for (const scope of scopes ?? NO_SCOPES) {
    const budget = budgets.get(scope)
    if (budget?.active) found.push(budget)
  }
  return found
}

/** The first limit `amountNano` more would pass, or undefined when every one leaves room. */
export function firstRefusal(
  budgets: readonly BudgetRecord[],
  amountNano: number,
  at: Date,
): BudgetRefusal | undefined {
  for (const budget of budgets) {
    const refusal = budgetRefusal(budget, amountNano, at)
    if (refusal !== undefined) return refusal
  }
  return undefined
}

/** The spend limits of one workspace's settlements in a batch, read under the balance lock. */
export interface OpenBudgets {
  /** The most a settlement may be charged: its hold on each limit plus what the limit leaves. */
  cap(settlement: Settlement): number
  /** Records a settlement's charge: held down by its hold, spent up by the charge. */
  charge(settlement: Settlement, chargedNano: number): void
  /** Writes every budget moved and what this instance still holds; the counters before and after. */
  write(): Promise<BudgetObservation[]>
}

/** The batch's budgets, or undefined when none of its settlements counted against a limit. */
export async function openBudgets(
  trx: Database,
  instanceId: string,
  list: readonly { settlement: Settlement }[],
  at: string,
): Promise<OpenBudgets | undefined> {
  // Most batches have no limited key: no allocation, no query.
  if (!list.some((item) => (item.settlement.budgetScopes?.length ?? 0) > 0)) return undefined
  const scopes = scopesOf(list.map((item) => item.settlement))
  const workspaceId = list[0]!.settlement.workspaceId
  const budgets = await readBudgets(trx, scopes, new Date(at))
  if (budgets.size === 0) return undefined
  const before = new Map([...budgets].map(([scope, budget]) => [scope, cloneBudget(budget)]))
  // What this instance holds against each limit (less if a sweeper reclaimed it meanwhile).
  const instanceHeld = await instanceBudgetHeld(trx, instanceId, scopes)
  const released = new Map<string, number>()
  const holdOn = (settlement: Settlement, scope: string) =>
    Math.min(settlement.holdNano, instanceHeld.get(scope) ?? 0)
  return {
    cap(settlement) {
      let cap = Number.MAX_SAFE_INTEGER
      for (const scope of settlement.budgetScopes ?? NO_SCOPES) {
        const budget = budgets.get(scope)
        if (budget === undefined) continue
        cap = Math.min(cap, holdOn(settlement, scope) + Math.max(budgetRoom(budget), 0))
      }
      return cap
    },
    charge(settlement, chargedNano) {
      for (const scope of settlement.budgetScopes ?? NO_SCOPES) {
        const budget = budgets.get(scope)
        if (budget === undefined) continue
        const hold = holdOn(settlement, scope)
        budget.heldNano -= hold
        instanceHeld.set(scope, (instanceHeld.get(scope) ?? 0) - hold)
        released.set(scope, (released.get(scope) ?? 0) + hold)
        addSpent(budget, chargedNano)
      }
    },
    async write() {
      const observed: BudgetObservation[] = []
      for (const [scope, budget] of budgets) {
        await writeBudget(trx, budget, at)
        const hold = released.get(scope) ?? 0
        if (hold > 0) await moveInstanceBudgetHeld(trx, instanceId, workspaceId, scope, -hold)
        observed.push(...budgetObservations(before.get(scope)!, budget))
      }
      return observed
    },
  }
}

/** Releases holds' shares of their limits (what this instance still holds of each), uncharged. */
export async function releaseBudgetHolds(
  trx: Database,
  instanceId: string,
  workspaceId: string,
  holds: readonly HoldRequest[],
): Promise<void> {
  const scopes = scopesOf(holds)
  if (scopes.length === 0) return
  const instanceHeld = await instanceBudgetHeld(trx, instanceId, scopes)
  for (const scope of scopes) {
    let amount = 0
    for (const hold of holds) if (hold.budgetScopes?.includes(scope)) amount += hold.amountNano
    amount = Math.min(amount, instanceHeld.get(scope) ?? 0)
    if (amount <= 0) continue
    await trx
      .updateTable('spend_budgets')
      .set((eb) => ({ held_nano: eb('held_nano', '-', amount) }))
      .where('scope_id', '=', scope)
      .execute()
    await moveInstanceBudgetHeld(trx, instanceId, workspaceId, scope, -amount)
  }
}

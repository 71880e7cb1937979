/**
 * The 402 a refused reservation answers: not enough credits, or the spend limit (the key's or
 * the workspace's) that refused it, with the limit, what is spent and held, and when it resets.
 *
 * @module
 */
import { periodAdjective } from '../contracts/budget-periods.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { ReserveResult } from '../storage/store.ts'
import { formatNanoUsd } from './cost.ts'

/** The 402 for a refused reservation: the balance, or the spend limit that refused it. */
export function refusal(
  result: Extract<ReserveResult, { reserved: false }>,
  amountNano: number,
  fromHeadroom: number,
  describe: () => string,
): GatewayError {
  const cost = `this request may cost up to $${formatNanoUsd(amountNano)} (${describe()})`
  const budget = result.budget
  if (budget === undefined) {
    return new GatewayError(
      'insufficient_credits',
      `Insufficient credits: ${cost}, ` +
        `and $${formatNanoUsd(result.availableNano + fromHeadroom)} is available after open reservations. ` +
        'Add credits or lower max_tokens.',
    )
  }
  const whose = budget.scope === 'key' ? 'This API key' : 'This workspace'
  const resets =
    budget.resetsAt === null
      ? 'It does not reset: raise or remove the limit to continue.'
      : `It resets at ${budget.resetsAt}.`
  return new GatewayError(
    budget.scope === 'key' ? 'key_budget_exceeded' : 'workspace_budget_exceeded',
    `${whose} would pass its ${periodAdjective(budget.period)} spend limit of $${formatNanoUsd(budget.limitNano)}: ` +
      `$${formatNanoUsd(budget.spentNano)} spent and $${formatNanoUsd(budget.heldNano)} held by running requests, ` +
      `and ${cost}. ${resets}`,
  )
}

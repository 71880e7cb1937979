/**
 * The billing sweeper's one pass, run by every instance on a timer: expires credit past its
 * date, and returns the holds (on balances and spend limits) of instances whose heartbeat
 * stopped more than `holdTtlMs` ago. Never throws: a failed pass is logged and the next retries.
 *
 * @module
 */
import type { Logger } from '../logging/logger.ts'
import { describeError } from '../logging/logger.ts'
import type { LedgerRepository } from '../storage/store.ts'

export async function sweepHolds(
  ledger: LedgerRepository,
  logger: Logger,
  now: Date,
  holdTtlMs: number,
): Promise<void> {
  try {
    for (const entry of await ledger.expireCredits(now.toISOString(), 500)) {
      logger.info('credit expired', {
        workspace: entry.workspaceId,
        amount_nano: entry.amountNano,
        entry: entry.id,
      })
    }
    const staleBefore = new Date(now.getTime() - holdTtlMs).toISOString()
    for (const reclaimed of await ledger.reclaimStale(staleBefore)) {
      logger.warn('released the holds of a silent gateway instance', {
        instance: reclaimed.instanceId,
        workspace: reclaimed.workspaceId,
        amount_nano: reclaimed.heldNano,
      })
    }
  } catch (error) {
    logger.warn('sweeping holds failed', describeError(error))
  }
}

/**
 * `onekey ledger verify`, run by the gateway itself every `billing.verify_interval_minutes`, off
 * the request path, so that `/metrics` can say whether the money still adds up: how many
 * mismatches the last check found (by kind) and when a check last completed.
 *
 * Every instance runs it (the check only reads). The first check comes at a random moment within
 * the first few minutes, so instances started together do not scan the ledger together; a check
 * still running when the next is due is not doubled.
 *
 * @module
 */
import { describeError, type Logger } from '../logging/logger.ts'
import type { LedgerRepository } from '../storage/store.ts'

/** The kinds of disagreement `verify` reports. */
export const LEDGER_MISMATCH_KINDS = ['balance', 'usage', 'budget'] as const
export type LedgerMismatchKind = (typeof LEDGER_MISMATCH_KINDS)[number]

export interface LedgerVerifySchedule {
  /** What the last completed check found, by kind (all 0 before the first). */
  mismatches(): Record<LedgerMismatchKind, number>
  /** Unix seconds when a check last completed (found mismatches or not); 0 before the first. */
  lastSuccessSeconds(): number
  /** Runs a check now (or waits for the one running). */
  runOnce(): Promise<void>
  /** Stops the timer and waits for a running check. */
  close(): Promise<void>
}

export interface LedgerVerifyOptions {
  ledger: Pick<LedgerRepository, 'verify'>
  logger: Logger
  /** 0: never on a timer (`runOnce` still works). */
  intervalMs: number
  /** `log.retention_days`: usage entries older than the request-log rows kept are not checked. */
  retentionDays: number
  /** Delay of the first check; default random up to 5 minutes (or the interval, if shorter). */
  firstDelayMs?: number
  now?: () => number
}

const FIRST_CHECK_SPREAD_MS = 5 * 60_000

/**
 * From when usage entries are checked against their request-log rows: rows past retention are
 * gone (undefined: all, when nothing is deleted).
 */
export function usageCheckedSince(retentionDays: number, nowMs: number): string | undefined {
  return retentionDays === 0 ? undefined : new Date(nowMs - (retentionDays - 1) * 86_400_000).toISOString()
}

/** Starts the periodic check (when `intervalMs` > 0). */
export function scheduleLedgerVerify(options: LedgerVerifyOptions): LedgerVerifySchedule {
  const now = options.now ?? Date.now
  const found: Record<LedgerMismatchKind, number> = { balance: 0, usage: 0, budget: 0 }
  let lastSuccessSeconds = 0
  let running: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined

  async function check(): Promise<void> {
    const started = now()
    try {
      const mismatches = await options.ledger.verify({
        usageSince: usageCheckedSince(options.retentionDays, started),
      })
      for (const kind of LEDGER_MISMATCH_KINDS) found[kind] = 0
      for (const mismatch of mismatches) found[mismatch.kind]++
      lastSuccessSeconds = Math.floor(now() / 1000)
      if (mismatches.length > 0) {
        options.logger.error('ledger verify found mismatches; run `onekey ledger verify` for the list', {
          ...found,
          duration_ms: now() - started,
        })
      } else {
        options.logger.debug('ledger verified', { duration_ms: now() - started })
      }
    } catch (error) {
      options.logger.warn('ledger verify failed', describeError(error))
    }
  }

  function runOnce(): Promise<void> {
    running ??= check().finally(() => {
      running = undefined
    })
    return running
  }

  if (options.intervalMs > 0) {
    const firstDelayMs =
      options.firstDelayMs ?? Math.floor(Math.random() * Math.min(options.intervalMs, FIRST_CHECK_SPREAD_MS))
    timer = setTimeout(function tick() {
      void runOnce()
      timer = setTimeout(tick, options.intervalMs)
      timer.unref()
    }, firstDelayMs)
    timer.unref()
  }

  return {
    mismatches: () => ({ ...found }),
    lastSuccessSeconds: () => lastSuccessSeconds,
    runOnce,
    async close() {
      clearTimeout(timer)
      timer = undefined
      await running
    },
  }
}

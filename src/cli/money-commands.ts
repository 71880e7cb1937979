/**
 * The CLI's money commands: `credits top-up|show`, `codes create|redeem`, `ledger verify`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { createBillingService } from '../billing/billing-service.ts'
import { formatNanoUsd } from '../billing/cost.ts'
import { createCreditCodes, hashCreditCode, looksLikeCreditCode } from '../billing/credit-codes.ts'
import { usageCheckedSince } from '../billing/ledger-verify-schedule.ts'
import { parseUsdNano } from '../contracts/usd.ts'
import { createLogger } from '../logging/logger.ts'
import { ServiceError } from '../services/workspace-service.ts'
import { type CommandInput, parseDuration } from './command-options.ts'
import { json, table } from './command-output.ts'

/** Runs a money command and returns its output, or undefined when the words name another command. */
export async function runMoneyCommand({
  config,
  words,
  options,
  store,
  service,
}: CommandInput): Promise<string | undefined> {
  const [noun, verb, argument] = words
  if (noun === 'credits' && (verb === 'top-up' || verb === 'show')) {
    const name = options.workspace ?? argument
    if (!name)
      throw new ServiceError(
        verb === 'show'
          ? 'usage: onekey credits show WS'
          : 'usage: onekey credits top-up WS AMOUNT [--idempotency-key K] [--kind purchase|adjustment|refund] [--reason R]',
      )
    const workspace = await service.getWorkspace(name)
    if (verb === 'top-up') {
      const amountText = options.workspace === undefined ? words[3] : argument
      const kind = options.kind ?? 'purchase'
      if (kind !== 'purchase' && kind !== 'adjustment' && kind !== 'refund')
        throw new ServiceError('--kind: purchase, adjustment or refund')
      let amountNano: number
      try {
        const text = (amountText ?? '').trim()
        const negative = text.startsWith('-')
        amountNano = (negative ? -1 : 1) * parseUsdNano(negative ? text.slice(1) : text, 'AMOUNT')
      } catch (error) {
        throw new ServiceError(`${(error as Error).message} (USD, e.g. 10 or 2.50)`)
      }
      const billing = createBillingService({
        ledger: store.ledger,
        logger: createLogger({ level: 'silent' }),
        enabled: false,
        holdTtlMs: config.billing.holdTtlMs,
        sweepIntervalMs: config.billing.sweepIntervalMs,
        purchaseFeeFixedNano: config.billing.purchaseFeeFixedNano,
        purchaseFeePercentMilli: config.billing.purchaseFeePercentMilli,
        creditExpiryDays: config.billing.creditExpiryDays,
      })
      try {
        const idempotencyKey = options.idempotencyKey ?? `cli-${randomUUID()}`
        const result = await billing
          .topUp({
            workspaceId: workspace.id,
            amountNano,
            idempotencyKey,
            actor: 'operator:cli',
            reason: options.reason,
            kind,
          })
          .catch((error: unknown) => {
            throw error instanceof RangeError ? new ServiceError(error.message) : error
          })
        const balance = await store.ledger.balance(workspace.id)
        if (options.json)
          return json({
            workspace: workspace.id,
            idempotencyKey,
            ...result,
            balanceNano: balance.balanceNano,
          })
        const lines = result.entries.map(
          (entry) =>
            `  ${entry.kind.padEnd(12)} ${formatNanoUsd(entry.amountNano).padStart(14)}  ${entry.reason}`,
        )
        return (
          `${result.replayed ? 'already recorded (same idempotency key); nothing added' : `credited workspace ${workspace.id}`}\n` +
          `${lines.join('\n')}\nbalance $${formatNanoUsd(balance.balanceNano)} (idempotency key ${idempotencyKey})\n`
        )
      } finally {
        await billing.close()
      }
    }
    const balance = await store.ledger.balance(workspace.id)
    const entries = await store.ledger.list(workspace.id, { limit: 20 })
    if (options.json) return json({ workspace: workspace.id, ...balance, entries })
    return (
      `workspace ${workspace.id}: balance $${formatNanoUsd(balance.balanceNano)}, held $${formatNanoUsd(balance.heldNano)}, ` +
      `available $${formatNanoUsd(Math.max(balance.balanceNano - balance.heldNano, 0))}\n` +
      table(
        entries.map((entry) => ({
          time: entry.createdAt,
          kind: entry.kind,
          amount: formatNanoUsd(entry.amountNano),
          balance: formatNanoUsd(entry.balanceAfterNano),
          reason: entry.reason,
          actor: entry.actor,
        })),
      )
    )
  }
  if (noun === 'codes' && verb === 'create') {
    let amountNano: number
    try {
      amountNano = parseUsdNano(options.amount ?? '', '--amount')
    } catch (error) {
      throw new ServiceError(
        `${(error as Error).message} (usage: onekey codes create --amount 5 --count 10 [--expires-in 30d])`,
      )
    }
    const count = Number(options.count ?? 1)
    const expiresAt =
      options.expiresIn === undefined ? undefined : new Date(Date.now() + parseDuration(options.expiresIn))
    const created = await createCreditCodes(store.ledger, { amountNano, count, expiresAt }).catch(
      (error: unknown) => {
        throw error instanceof RangeError ? new ServiceError(error.message) : error
      },
    )
    if (options.json) return json({ ...created, amountNano, expiresAt: expiresAt?.toISOString() ?? null })
    return (
      `created ${created.codes.length} code(s) worth $${formatNanoUsd(amountNano)} each (batch ${created.batchId}` +
      `${expiresAt === undefined ? '' : `, expiring ${expiresAt.toISOString()}`}); shown once:\n${created.codes.join('\n')}\n`
    )
  }
  if (noun === 'codes' && verb === 'redeem') {
    const name = argument
    const code = words[3]
    if (!name || !code) throw new ServiceError('usage: onekey codes redeem WS CODE')
    const workspace = await service.getWorkspace(name)
    if (!looksLikeCreditCode(code)) throw new ServiceError('not a credit code (OKC-XXXX-XXXX-XXXX-XXXX)')
    const result = await store.ledger.redeemCode({
      codeHash: hashCreditCode(code),
      workspaceId: workspace.id,
      entryId: `le_${randomUUID().replaceAll('-', '')}`,
      actor: 'operator:cli',
      at: new Date().toISOString(),
      creditExpiresAt:
        config.billing.creditExpiryDays === 0
          ? null
          : new Date(Date.now() + config.billing.creditExpiryDays * 86_400_000).toISOString(),
    })
    if (!('entry' in result))
      throw new ServiceError(`code ${result.status === 'unknown' ? 'does not exist' : `is ${result.status}`}`)
    if (options.json) return json(result)
    return `${result.status === 'replayed' ? 'already redeemed by this workspace' : 'redeemed'}: +$${formatNanoUsd(result.entry.amountNano)} for ${workspace.id}\n`
  }
  if (noun === 'ledger' && verb === 'verify') {
    // Request-log rows past retention are gone: usage entries are checked within it.
    const usageSince = usageCheckedSince(config.log.retentionDays, Date.now())
    const mismatches = await store.ledger.verify({ usageSince })
    if (options.json) return json({ ok: mismatches.length === 0, mismatches })
    if (mismatches.length === 0)
      return 'ledger verified: every balance equals the sum of its entries, every held amount its open holds, every usage entry the charges on its request-log rows, every spend limit’s held amount its open holds\n'
    throw new ServiceError(
      `ledger mismatch (${mismatches.length}):\n${mismatches
        .map((row) =>
          row.kind === 'balance'
            ? `  ${row.workspaceId}: balance ${row.balanceNano} vs ledger ${row.ledgerSumNano}; held ${row.heldNano} vs open holds ${row.openHoldsNano}; credit lots ${row.lotsRemainingNano} (nano-USD)`
            : row.kind === 'budget'
              ? `  ${row.workspaceId}: spend limit ${row.scopeId} holds ${row.heldNano} vs ${row.openHoldsNano} on the instances' open holds (nano-USD)`
              : `  ${row.workspaceId}: usage entry ${row.entryId} debited ${row.entryNano} vs ${row.rowsNano} charged on its request-log rows (nano-USD)`,
        )
        .join('\n')}`,
    )
  }
  return undefined
}

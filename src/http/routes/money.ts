import { z } from 'zod'
import { randomBase62 } from '../../auth/api-key-format.ts'
import type { BillingService } from '../../billing/billing-service.ts'
import { formatNanoUsd } from '../../billing/cost.ts'
import { hashCreditCode, looksLikeCreditCode } from '../../billing/credit-codes.ts'
import { parseUsdNano } from '../../contracts/usd.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { RequestLogWriter } from '../../logging/request-log-writer.ts'
import type {
  LedgerEntryRecord,
  LedgerRepository,
  RequestLogRecord,
  RequestLogRepository,
  WorkspaceRepository,
} from '../../storage/store.ts'
import { parseBody } from '../parse-body.ts'
import { limitOf } from '../request-query.ts'
import type { WorkspaceCaller } from '../workspace-caller.ts'
import type { AuditWriter } from './management.ts'

export interface MoneyRouteDependencies {
  ledger: LedgerRepository
  billing: BillingService
  requestLogs: RequestLogWriter
  requestLogRepository: RequestLogRepository
  workspaces: WorkspaceRepository
  audit: AuditWriter
}

const DAY_MS = 86_400_000

/** `POST /api/v1/credits/redeem`. */
export const redeemBody = z.strictObject({
  code: z.string().refine(looksLikeCreditCode).describe('a credit code, OKC-XXXX-XXXX-XXXX-XXXX'),
})

/** `POST /api/v1/admin/credits`: only these fields; anything else is refused, never ignored. */
export const adminCreditsBody = z.strictObject({
  workspace: z.string().describe('a workspace ID or name'),
  amount: z.union([z.string(), z.number()]).describe('USD as a decimal string, e.g. "10.00"'),
  idempotency_key: z
    .string()
    .min(1)
    .max(200)
    .describe('1-200 characters, reused only to retry the same top-up'),
  kind: z
    .enum(['purchase', 'adjustment', 'refund'])
    .default('purchase')
    .describe('purchase, adjustment or refund'),
  reason: z.string().max(500).optional().describe('a string of at most 500 characters'),
})

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

export function publicEntry(entry: LedgerEntryRecord) {
  return {
    id: entry.id,
    kind: entry.kind,
    amount: formatNanoUsd(entry.amountNano),
    balance_after: formatNanoUsd(entry.balanceAfterNano),
    reason: entry.reason,
    actor: entry.actor,
    idempotency_key: entry.idempotencyKey,
    request_id: entry.requestId,
    created_at: entry.createdAt,
  }
}

function publicLog(record: RequestLogRecord) {
  return {
    id: record.id,
    request_id: record.requestId,
    key_id: record.keyId,
    model: record.model,
    lane: record.lane,
    provider: record.provider,
    upstream_model: record.upstreamModel,
    stream: record.stream,
    status: record.status,
    error_code: record.errorCode,
    prompt_tokens: record.promptTokens,
    completion_tokens: record.completionTokens,
    cached_tokens: record.cachedTokens,
    usage_source: record.usageSource,
    cost: formatNanoUsd(record.costNano),
    // What the balance paid (less than `cost` only when it ran out), and the usage entry that holds it.
    charged: formatNanoUsd(record.chargedNano),
    ledger_entry_id: record.ledgerEntryId,
    latency_ms: record.latencyMs,
    first_byte_ms: record.firstByteMs,
    finish_reason: record.finishReason,
    created_at: record.createdAt,
  }
}

export function createMoneyRoutes(dependencies: MoneyRouteDependencies) {
  return {
    async credits(key: WorkspaceCaller): Promise<string> {
      const { balanceNano, heldNano } = await dependencies.ledger.balance(key.workspaceId)
      return JSON.stringify({
        object: 'credits',
        currency: 'USD',
        balance: formatNanoUsd(balanceNano),
        held: formatNanoUsd(heldNano),
        available: formatNanoUsd(Math.max(balanceNano - heldNano, 0)),
      })
    },
    async ledger(key: WorkspaceCaller, query: URLSearchParams): Promise<string> {
      const limit = limitOf(query)
      const entries = await dependencies.ledger.list(key.workspaceId, {
        limit,
        before: query.get('before') ?? undefined,
      })
      return JSON.stringify({
        object: 'list',
        data: entries.map(publicEntry),
        has_more: entries.length === limit,
      })
    },
    async logs(key: WorkspaceCaller, query: URLSearchParams): Promise<string> {
      await dependencies.requestLogs.flush()
      const limit = limitOf(query)
      const records = await dependencies.requestLogRepository.list(key.workspaceId, {
        limit,
        before: query.get('before') ?? undefined,
        model: query.get('model') ?? undefined,
        lane: query.get('lane') ?? undefined,
      })
      return JSON.stringify({
        object: 'list',
        data: records.map(publicLog),
        has_more: records.length === limit,
      })
    },
    async activity(key: WorkspaceCaller, query: URLSearchParams): Promise<string> {
      const days = Number(query.get('days') ?? 30)
      if (!Number.isInteger(days) || days < 1 || days > 366)
        throw invalid('days', "Invalid 'days': an integer from 1 to 366.")
      const groupBy = query.get('group_by') ?? 'model'
      if (groupBy !== 'model' && groupBy !== 'provider' && groupBy !== 'lane' && groupBy !== 'key') {
        throw invalid('group_by', "Invalid 'group_by': model, provider, lane or key.")
      }
      await dependencies.requestLogs.flush()
      const since = new Date(Date.now() - (days - 1) * DAY_MS).toISOString().slice(0, 10)
      const rows = await dependencies.requestLogRepository.activity(key.workspaceId, since, groupBy)
      return JSON.stringify({
        object: 'activity',
        group_by: groupBy,
        since,
        data: rows.map((row) => ({
          day: row.day,
          [groupBy]: row.group,
          requests: row.requests,
          prompt_tokens: row.promptTokens,
          completion_tokens: row.completionTokens,
          spend: formatNanoUsd(row.costNano),
        })),
      })
    },
    async redeem(key: WorkspaceCaller, body: Record<string, unknown>): Promise<string> {
      const { code } = parseBody(redeemBody, body)
      const result = await dependencies.ledger.redeemCode({
        codeHash: hashCreditCode(code),
        workspaceId: key.workspaceId,
        entryId: `le_${randomBase62(16)}`,
        actor: key.actor.name,
        at: new Date().toISOString(),
        creditExpiresAt: dependencies.billing.creditExpiresAt(),
      })
      if (!('entry' in result)) {
        const messages = {
          unknown: 'This credit code does not exist.',
          used: 'This credit code has already been redeemed.',
          expired: 'This credit code has expired.',
          revoked: 'This credit code has been revoked by the operator.',
        }
        throw new GatewayError('invalid_parameter', messages[result.status], { param: 'code' })
      }
      if (result.status === 'redeemed')
        await dependencies.audit(
          key.workspaceId,
          key.actor,
          'credits.redeemed',
          `${result.entry.amountNano === 0 ? '' : formatNanoUsd(result.entry.amountNano)} (${code.slice(0, 8)}…)`,
        )
      const { balanceNano } = await dependencies.ledger.balance(key.workspaceId)
      return JSON.stringify({
        redeemed: true,
        replayed: result.status === 'replayed',
        entry: publicEntry(result.entry),
        balance: formatNanoUsd(balanceNano),
      })
    },
    async generation(key: { workspaceId: string }, query: URLSearchParams): Promise<string> {
      const id = query.get('id')
      if (id === null || id === '')
        throw new GatewayError('missing_parameter', "Missing required parameter: 'id'.", { param: 'id' })
      const record = await dependencies.requestLogs.find(key.workspaceId, id)
      if (record === undefined)
        throw new GatewayError('not_found', `No generation \`${id}\` in this workspace.`, { param: 'id' })
      return JSON.stringify({ object: 'generation', ...publicLog(record) })
    },
    async adminCredits(body: Record<string, unknown>): Promise<string> {
      const {
        workspace,
        amount,
        idempotency_key: idempotencyKey,
        kind,
        reason,
      } = parseBody(adminCreditsBody, body)
      let amountNano: number
      try {
        const text = String(amount).trim()
        const negative = text.startsWith('-')
        amountNano = (negative ? -1 : 1) * parseUsdNano(negative ? text.slice(1) : text, 'amount')
      } catch (error) {
        throw invalid(
          'amount',
          `Invalid 'amount': USD as a decimal string, e.g. "10.00" (${(error as Error).message}).`,
        )
      }
      const found = await dependencies.workspaces.find(workspace)
      if (found === undefined)
        throw new GatewayError('not_found', `No workspace \`${workspace}\`.`, { param: 'workspace' })
      let result: Awaited<ReturnType<BillingService['topUp']>>
      try {
        result = await dependencies.billing.topUp({
          workspaceId: found.id,
          amountNano,
          idempotencyKey,
          actor: 'admin-api',
          reason,
          kind,
        })
      } catch (error) {
        if (error instanceof RangeError) throw invalid('amount', error.message)
        throw error
      }
      const { balanceNano } = await dependencies.ledger.balance(found.id)
      return JSON.stringify({
        workspace: found.id,
        replayed: result.replayed,
        entries: result.entries.map(publicEntry),
        balance: formatNanoUsd(balanceNano),
      })
    },
  }
}

/**
 * The operator's credit codes (what `onekey codes create` does, plus a list and revocation).
 * Wired by admin-operator.ts; the routes are listed there. A code is shown in full only in the
 * answer that created it: lists carry its prefix, never the code or its hash.
 *
 * @module
 */
import { z } from 'zod'
import { formatNanoUsd } from '../../billing/cost.ts'
import { createCreditCodes, hashCreditCode, looksLikeCreditCode } from '../../billing/credit-codes.ts'
import { parseUsdNano } from '../../contracts/usd.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type {
  CreditCodeCursor,
  CreditCodeRow,
  OperatorRepository,
} from '../../storage/operator-repository.ts'
import type { LedgerRepository } from '../../storage/store.ts'
import { parseBody } from '../parse-body.ts'

export interface CreditCodeRouteDependencies {
  ledger: LedgerRepository
  operator: OperatorRepository
  /** The clock (tests pass a fixed one). */
  now?: () => Date
}

const DAY_MS = 86_400_000
/** Characters of the hash a page cursor carries: enough to order codes created in the same batch. */
const CURSOR_HASH_CHARS = 16

/** `POST /api/v1/admin/credit-codes`: only these fields; anything else is refused, never ignored. */
export const createCodesBody = z.strictObject({
  amount: z.union([z.string(), z.number()]).describe('USD per code as a decimal string, e.g. "5.00"'),
  count: z.number().int().min(1).max(1000).describe('an integer from 1 to 1000'),
  expires_in_days: z.number().int().min(1).max(3650).optional().describe('an integer from 1 to 3650'),
  note: z.string().max(500).optional().describe('a string of at most 500 characters'),
})

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

/** A code as lists show it: its prefix and history, never the code or its hash. */
function publicCode(code: CreditCodeRow) {
  return {
    object: 'credit_code',
    prefix: code.prefix,
    batch_id: code.batchId,
    amount: formatNanoUsd(code.amountNano),
    created_at: code.createdAt,
    expires_at: code.expiresAt,
    redeemed_by: code.redeemedBy,
    redeemed_at: code.redeemedAt,
    revoked_at: code.revokedAt,
  }
}

function encodeCursor(code: CreditCodeRow): string {
  return Buffer.from(`${code.createdAt}|${code.codeHash.slice(0, CURSOR_HASH_CHARS)}`).toString('base64url')
}

function decodeCursor(text: string): CreditCodeCursor {
  const [createdAt, hashStart, extra] = Buffer.from(text, 'base64url').toString('utf8').split('|')
  if (
    extra !== undefined ||
    createdAt === undefined ||
    hashStart === undefined ||
    Number.isNaN(Date.parse(createdAt)) ||
    !/^[0-9a-f]{1,64}$/.test(hashStart)
  )
    throw invalid('before', "Invalid 'before': pass the `next_before` of the previous page.")
  return { createdAt, hashStart }
}

function limitOf(query: URLSearchParams): number {
  const text = query.get('limit')
  if (text === null) return 50
  const limit = Number(text)
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw invalid('limit', "Invalid 'limit': an integer from 1 to 500.")
  return limit
}

/** Credit code handlers; each returns the JSON answer. */
export function createCreditCodeRoutes(dependencies: CreditCodeRouteDependencies) {
  const now = dependencies.now ?? (() => new Date())

  return {
    /** `POST /api/v1/admin/credit-codes` → 201 the batch with every code, shown once. */
    async createCodes(body: Record<string, unknown>): Promise<string> {
      const request = parseBody(createCodesBody, body)
      let amountNano: number
      try {
        amountNano = parseUsdNano(request.amount, 'amount')
      } catch (error) {
        throw invalid(
          'amount',
          `Invalid 'amount': USD as a positive decimal string, e.g. "5.00" (${(error as Error).message}).`,
        )
      }
      if (amountNano <= 0) throw invalid('amount', "Invalid 'amount': a positive amount of USD.")
      const at = now()
      const expiresAt =
        request.expires_in_days === undefined
          ? undefined
          : new Date(at.getTime() + request.expires_in_days * DAY_MS)
      let created: { batchId: string; codes: string[] }
      try {
        created = await createCreditCodes(dependencies.ledger, {
          amountNano,
          count: request.count,
          expiresAt,
          now: at,
        })
      } catch (error) {
        if (error instanceof RangeError) throw invalid('amount', `Invalid 'amount': ${error.message}.`)
        throw error
      }
      return JSON.stringify({
        object: 'credit_code_batch',
        batch_id: created.batchId,
        amount: formatNanoUsd(amountNano),
        count: created.codes.length,
        created_at: at.toISOString(),
        expires_at: expiresAt?.toISOString() ?? null,
        // Not stored: the operator's label for this answer (e.g. the campaign the codes are for).
        note: request.note ?? null,
        codes: created.codes,
      })
    },

    /** `GET /api/v1/admin/credit-codes?limit=&before=`: newest first; `next_before` pages on. */
    async listCodes(query: URLSearchParams): Promise<string> {
      const limit = limitOf(query)
      const beforeText = query.get('before')
      const before = beforeText === null || beforeText === '' ? undefined : decodeCursor(beforeText)
      const codes = await dependencies.operator.listCodes({ limit, before })
      const last = codes.at(-1)
      const hasMore = codes.length === limit
      return JSON.stringify({
        object: 'list',
        data: codes.map(publicCode),
        has_more: hasMore,
        next_before: hasMore && last !== undefined ? encodeCursor(last) : null,
      })
    },

    /**
     * `DELETE /api/v1/admin/credit-codes/{prefix}`: revokes the unused code with that prefix (a
     * full code or a `batch_…` ID work too; a batch revokes every unused code in it).
     * 404 unknown; 409 `conflict` when the code was redeemed or the prefix names several unused codes.
     */
    async revokeCode(parameter: string): Promise<string> {
      const at = now().toISOString()
      const text = parameter.trim()
      if (text === '') throw invalid('prefix', "Invalid 'prefix': a code prefix such as OKC-AB12.")
      if (text.startsWith('batch_')) return revokeBatch(text, at)
      const byFullCode = text.length > 8 && looksLikeCreditCode(text)
      const codes = await dependencies.operator.findCodes(
        byFullCode ? { codeHash: hashCreditCode(text) } : { prefix: text.toUpperCase() },
      )
      if (codes.length === 0)
        throw new GatewayError('not_found', `No credit code \`${text}\`.`, { param: 'prefix' })
      const revocable = codes.filter((code) => code.redeemedBy === null && code.revokedAt === null)
      if (revocable.length > 1) {
        throw new GatewayError(
          'conflict',
          `${revocable.length} unused credit codes start with \`${text}\`: revoke by the full code or by its batch (DELETE …/credit-codes/batch_…).`,
          { param: 'prefix' },
        )
      }
      const target = revocable[0]
      if (target === undefined) {
        // Already revoked: the same answer again (a retried DELETE is not an error).
        const revoked = codes.find((code) => code.revokedAt !== null)
        if (revoked !== undefined) return JSON.stringify({ revoked: true, ...publicCode(revoked) })
        throw new GatewayError(
          'conflict',
          `The credit code \`${text}\` was already redeemed by ${codes[0]!.redeemedBy}; it cannot be revoked.`,
          { param: 'prefix' },
        )
      }
      if ((await dependencies.operator.revokeCodes([target.codeHash], at)) === 0) {
        // Redeemed between the read and the update.
        throw new GatewayError('conflict', `The credit code \`${text}\` was just redeemed.`, {
          param: 'prefix',
        })
      }
      return JSON.stringify({ revoked: true, ...publicCode({ ...target, revokedAt: at }) })
    },
  }

  async function revokeBatch(batchId: string, at: string): Promise<string> {
    const codes = await dependencies.operator.findCodes({ batchId }, 100_000)
    if (codes.length === 0)
      throw new GatewayError('not_found', `No credit code batch \`${batchId}\`.`, { param: 'prefix' })
    const revocable = codes.filter((code) => code.redeemedBy === null && code.revokedAt === null)
    const revoked = await dependencies.operator.revokeCodes(
      revocable.map((code) => code.codeHash),
      at,
    )
    return JSON.stringify({
      object: 'credit_code_batch_revocation',
      batch_id: batchId,
      revoked,
      redeemed: codes.filter((code) => code.redeemedBy !== null).length,
      already_revoked: codes.filter((code) => code.revokedAt !== null).length,
    })
  }
}

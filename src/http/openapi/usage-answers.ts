/**
 * The ledger and request-log answers (`/api/v1/ledger`, `/api/v1/logs`, `/api/v1/generation`,
 * `POST /api/v1/credits/redeem`), as zod schemas for the API reference: copied field for field
 * from routes/money.ts `publicEntry` and `publicLog`. Amounts are exact decimal USD strings.
 * The openapi test validates real answers against them.
 *
 * @module
 */
import { z } from 'zod'

const usd = z.string().regex(/^-?\d+(\.\d+)?$/)

/** One ledger entry. */
export const ledgerEntry = z.strictObject({
  id: z.string(),
  kind: z.string().describe('purchase, usage, adjustment, refund, code, expiry…'),
  amount: usd.describe('Signed USD: positive credits the workspace.'),
  balance_after: usd,
  reason: z.string(),
  actor: z.string().describe('Who caused it, e.g. `key:<id>` or `operator:cli`.'),
  idempotency_key: z.string().nullable(),
  request_id: z.string().nullable(),
  created_at: z.string(),
})
export const ledgerAnswer = z.strictObject({
  object: z.literal('list'),
  data: z.array(ledgerEntry),
  has_more: z.boolean(),
})

const logFields = {
  id: z.string(),
  request_id: z.string(),
  key_id: z.string(),
  model: z.string().nullable(),
  lane: z.string().nullable(),
  provider: z.string().nullable(),
  upstream_model: z.string().nullable(),
  stream: z.boolean(),
  status: z.int().describe('The HTTP status the client got.'),
  error_code: z.string().nullable(),
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  cached_tokens: z.int(),
  usage_source: z.enum(['upstream', 'estimated']).nullable(),
  cost: usd.describe('What the request cost, USD.'),
  charged: usd.describe('What the balance paid (less than `cost` only when it ran out).'),
  ledger_entry_id: z.string().nullable(),
  latency_ms: z.int(),
  first_byte_ms: z.int().nullable(),
  finish_reason: z.string().nullable(),
  created_at: z.string(),
}
export const logsAnswer = z.strictObject({
  object: z.literal('list'),
  data: z.array(z.strictObject(logFields)),
  has_more: z.boolean(),
})
/** `GET /api/v1/generation?id=`: one request's log line. */
export const generationAnswer = z.strictObject({ object: z.literal('generation'), ...logFields })
/** `POST /api/v1/credits/redeem`: `replayed` when the same code was redeemed by this workspace before. */
export const redeemAnswer = z.strictObject({
  redeemed: z.literal(true),
  replayed: z.boolean(),
  entry: ledgerEntry,
  balance: usd,
})

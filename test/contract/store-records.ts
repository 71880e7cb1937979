/**
 * Record builders shared by the parts of the Store contract suite.
 *
 * @module
 */
import type { ApiKeyRecord, NewLedgerEntry, RequestLogRecord } from '../../src/storage/store.ts'

export function apiKey(
  overrides: Partial<ApiKeyRecord> & Pick<ApiKeyRecord, 'id' | 'hash' | 'workspaceId'>,
): ApiKeyRecord {
  return {
    name: 'test',
    prefix: 'okm-sk-abcd',
    createdAt: '2026-11-22T10:00:00.000Z',
    lastUsedAt: null,
    expiresAt: null,
    revokedAt: null,
    allowedLanes: null,
    allowedModels: null,
    management: false,
    limits: { rpm: null, tpm: null, concurrency: null },
    ...overrides,
  }
}

/** A request-log row of `key_1` in `ws_money`: 10 + 5 tokens, cost 1000 nano-USD, unless overridden. */
export function logRow(id: string, overrides: Partial<RequestLogRecord> = {}): RequestLogRecord {
  return {
    id,
    requestId: `req_${id}`,
    workspaceId: 'ws_money',
    keyId: 'key_1',
    model: 'm',
    lane: 'cheap',
    provider: 'p',
    upstreamModel: 'u',
    stream: false,
    status: 200,
    errorCode: null,
    promptTokens: 10,
    completionTokens: 5,
    cachedTokens: 0,
    costNano: 1_000,
    chargedNano: 0,
    ledgerEntryId: null,
    latencyMs: 12,
    firstByteMs: null,
    finishReason: 'stop',
    usageSource: 'upstream',
    createdAt: '2026-11-22T10:00:00.000Z',
    ...overrides,
  }
}

/** The log row a settlement carries (its charge and entry are filled in by the settlement). */
export function settledRow(id: string, workspaceId: string, costNano: number): RequestLogRecord {
  return logRow(id, { workspaceId, costNano, latencyMs: 3, createdAt: '2026-11-23T10:00:00.000Z' })
}

/** When the ledger tests happen. */
export const LEDGER_TIME = '2026-11-23T10:00:00.000Z'

/** A ledger entry in `ws_money` at {@link LEDGER_TIME}, unless overridden. */
export const entry = (
  overrides: Partial<NewLedgerEntry> & Pick<NewLedgerEntry, 'id' | 'amountNano'>,
): NewLedgerEntry => ({
  workspaceId: 'ws_money',
  kind: 'purchase',
  reason: 'test',
  actor: 'test',
  idempotencyKey: null,
  requestId: null,
  createdAt: LEDGER_TIME,
  ...overrides,
})

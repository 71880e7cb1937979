/**
 * A request's stored log row (metadata only, never prompts or completions), built from what the
 * request filled in on its way through the gateway.
 *
 * @module
 */

import { isoNow } from '../logging/iso-time.ts'
import type { RequestLogRecord } from '../storage/store.ts'
import type { RequestContext } from './request-context.ts'

/**
 * The row for an API call that reached the data plane (it has a key and a generation ID), or
 * undefined for any other call. `status` is the answer's: the response's own once it ended, 200
 * for an answer whose end waits on its charge (durable settlement).
 */
export function buildRequestLogRecord(context: RequestContext, status: number): RequestLogRecord | undefined {
  const log = context.log
  if (context.key === undefined || log.generationId === undefined) return undefined
  return {
    id: log.generationId,
    requestId: context.requestId,
    workspaceId: context.key.workspaceId,
    keyId: context.key.keyId,
    model: log.model ?? null,
    lane: log.lane ?? null,
    provider: log.provider ?? null,
    upstreamModel: log.upstreamModel ?? null,
    stream: log.stream === true,
    status,
    errorCode: log.errorCode ?? null,
    promptTokens: log.promptTokens ?? 0,
    completionTokens: log.completionTokens ?? 0,
    cachedTokens: log.cachedTokens ?? 0,
    costNano: log.costNano ?? 0,
    chargedNano: 0,
    ledgerEntryId: null,
    latencyMs: Math.round(performance.now() - context.startMs),
    firstByteMs: log.firstByteMs ?? null,
    finishReason: log.finishReason ?? null,
    usageSource: log.usageSource ?? null,
    createdAt: isoNow(),
  }
}

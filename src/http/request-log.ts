/**
 * What every finished request leaves behind: its stored log row (with its charge, through the
 * settlement, when it was charged), its metrics, and one JSON log line.
 *
 * @module
 */
import type { RequestContext } from '../gateway/request-context.ts'
import { buildRequestLogRecord } from '../gateway/request-log-record.ts'
import type { AppDependencies } from './app-dependencies.ts'

/** Returns the function that records a request once its response closed and its handler finished. */
export function createRequestLogging(
  dependencies: AppDependencies,
  pathLabel: (path: string) => string,
): (context: RequestContext) => void {
  const { logger } = dependencies
  return function writeRequestLog(context: RequestContext): void {
    recordRequest(context)
    const log = context.log
    const lane = log.lane ?? ''
    dependencies.metrics.requests.inc({
      path: pathLabel(context.path),
      lane,
      provider: log.provider ?? '',
      status: String(context.response.statusCode),
    })
    dependencies.metrics.duration.observe({ lane }, (performance.now() - context.startMs) / 1000)
    if (log.stream === true && log.firstByteMs !== undefined)
      dependencies.metrics.firstByte.observe({ lane }, log.firstByteMs / 1000)
    if (log.costNano !== undefined && log.costNano > 0)
      dependencies.metrics.charged.inc({ lane }, log.costNano)
    if (log.usageRejected === true) {
      dependencies.metrics.usageRejected.inc({ provider: log.provider ?? '' })
      logger.warn('upstream usage was implausible; charged from the gateway count', {
        request_id: context.requestId,
        provider: log.provider,
        account: log.account,
        prompt_tokens: log.promptTokens,
        completion_tokens: log.completionTokens,
      })
    }
    if (!dependencies.logRequests) return
    logger.info('request', {
      request_id: context.requestId,
      method: context.request.method,
      path: context.path,
      status: context.response.statusCode,
      latency_ms: Math.round((performance.now() - context.startMs) * 100) / 100,
      first_byte_ms: log.firstByteMs,
      workspace: context.key?.workspaceId,
      key_prefix: context.key?.prefix,
      model: log.model,
      lane: log.lane,
      provider: log.provider,
      account: log.account,
      upstream_model: log.upstreamModel,
      stream: log.stream,
      attempts: log.attempts,
      prompt_tokens: log.promptTokens,
      completion_tokens: log.completionTokens,
      bytes_in: Number(context.request.headers['content-length']) || 0,
      bytes_out: log.bytesOut ?? 0,
      error_code: log.errorCode,
      client_aborted: context.signal.aborted || undefined,
      generation_id: log.generationId,
      cost_nano: log.costNano,
    })
  }

  /** The stored request log (metadata only) for API calls that reached the data plane. */
  function recordRequest(context: RequestContext): void {
    if (context.logWritten) return
    const record = buildRequestLogRecord(context, context.response.statusCode)
    if (record === undefined) return
    // A charged request's row is written by its settlement, in the same transaction.
    if (context.charge !== undefined)
      dependencies.requestLogs.addCharged(record, context.charge.settle(record))
    else dependencies.requestLogs.add(record)
  }
}

/**
 * One exported request-log row, the same fields in CSV (a header row, then one record per
 * request) and NDJSON (one JSON object per line). Money is exact decimal USD strings, never a
 * float; the key is named by its ID, name and display prefix, never by the key itself.
 * docs/log-export.md describes every column.
 *
 * @module
 */
import { formatNanoUsd } from '../billing/cost.ts'
import type { RequestLogExportRow } from '../storage/store.ts'
import { csvLine } from './csv.ts'

/** The columns, in order: the CSV header and the NDJSON keys. */
export const LOG_EXPORT_COLUMNS = [
  'time',
  'request_id',
  'generation_id',
  'workspace_id',
  'key_id',
  'key_name',
  'key_prefix',
  'model',
  'lane',
  'provider',
  'upstream_model',
  'stream',
  'status',
  'error_code',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'cost_usd',
  'charged_usd',
  'latency_ms',
  'first_byte_ms',
  'finish_reason',
  'usage_source',
  'ledger_entry_id',
] as const

type Value = string | number | boolean | null

/** A row's values in {@link LOG_EXPORT_COLUMNS} order. */
function valuesOf(row: RequestLogExportRow): Value[] {
  return [
    row.createdAt,
    row.requestId,
    row.id,
    row.workspaceId,
    row.keyId,
    row.keyName,
    row.keyPrefix,
    row.model,
    row.lane,
    row.provider,
    row.upstreamModel,
    row.stream,
    row.status,
    row.errorCode,
    row.promptTokens,
    row.completionTokens,
    row.cachedTokens,
    formatNanoUsd(row.costNano),
    formatNanoUsd(row.chargedNano),
    row.latencyMs,
    row.firstByteMs,
    row.finishReason,
    row.usageSource,
    row.ledgerEntryId,
  ]
}

/** The CSV header line. */
export const CSV_HEADER = csvLine(LOG_EXPORT_COLUMNS)

/** Rows as CSV records (RFC 4180, formula starts neutralised). */
export function csvRows(rows: readonly RequestLogExportRow[]): string {
  let text = ''
  for (const row of rows) text += csvLine(valuesOf(row))
  return text
}

/** Rows as NDJSON lines, each an object with the {@link LOG_EXPORT_COLUMNS} keys. */
export function ndjsonRows(rows: readonly RequestLogExportRow[]): string {
  let text = ''
  for (const row of rows) {
    const values = valuesOf(row)
    const object: Record<string, Value> = {}
    for (let index = 0; index < LOG_EXPORT_COLUMNS.length; index++)
      object[LOG_EXPORT_COLUMNS[index]!] = values[index] ?? null
    text += `${JSON.stringify(object)}\n`
  }
  return text
}

/**
 * The query of a request-log export (`/api/v1/logs/export`, `/api/v1/admin/logs/export`), read
 * strictly: an unknown or repeated parameter, or a bad value, is a 400 naming it.
 *
 *   format   csv (default) | ndjson
 *   from     an ISO 8601 time (`2026-03-01`, `2026-03-01T12:00:00Z`, `…+02:00`); inclusive;
 *            default: 30 days before `to`
 *   to       exclusive, after `from`; default: now. At most 366 days after `from`
 *   key      an API key ID          model   a model ID as logged          lane   cheap | resale | byok
 *   workspace  (operator export only) a workspace ID or name; absent: every workspace
 *
 * @module
 */
import { LANES } from '../config/catalog-config.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export const LOG_EXPORT_FORMATS = ['csv', 'ndjson'] as const
export type LogExportFormat = (typeof LOG_EXPORT_FORMATS)[number]

const DAY_MS = 86_400_000
/** The range when `from` is not given. */
export const DEFAULT_EXPORT_DAYS = 30
/** The longest range one export may ask for. */
export const MAX_EXPORT_DAYS = 366

/** What an export asked for, validated; times are normalised to `toISOString()` (UTC, ms). */
export interface LogExportQuery {
  format: LogExportFormat
  from: string
  to: string
  keyId: string | undefined
  model: string | undefined
  lane: string | undefined
  /** Only in the operator's export: the workspace ID or name asked for. */
  workspace: string | undefined
}

const PARAMETERS = ['format', 'from', 'to', 'key', 'model', 'lane'] as const

/** A date, or a date and time with seconds, fraction and zone optional but a zone required with a time. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

function timeOf(query: URLSearchParams, param: 'from' | 'to'): number | undefined {
  const text = query.get(param)
  if (text === null) return undefined
  const ms = ISO_TIME.test(text) ? Date.parse(text) : Number.NaN
  // Date.parse rolls 2026-02-30 over to March: the date part must be a real day of its month.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number]
  const realDay = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day && month >= 1 && month <= 12
  if (!Number.isFinite(ms) || !realDay)
    throw invalid(
      param,
      `Invalid '${param}': an ISO 8601 date or time, e.g. 2026-03-01 or 2026-03-01T12:00:00Z (a time needs Z or an offset).`,
    )
  return ms
}

function textOf(query: URLSearchParams, param: string, maxLength: number): string | undefined {
  const text = query.get(param)
  if (text === null) return undefined
  if (text.length === 0 || text.length > maxLength)
    throw invalid(param, `Invalid '${param}': 1 to ${maxLength} characters.`)
  return text
}

/**
 * Reads an export's query. `operator` allows `workspace=`; `now` is the default end of the range.
 * Throws a 400 `invalid_parameter` naming the first bad parameter.
 */
export function parseLogExportQuery(query: URLSearchParams, operator: boolean, now: Date): LogExportQuery {
  const allowed: readonly string[] = operator ? [...PARAMETERS, 'workspace'] : PARAMETERS
  const seen = new Set<string>()
  for (const name of query.keys()) {
    if (!allowed.includes(name))
      throw invalid(name, `Unknown parameter '${name}': use ${allowed.join(', ')}.`)
    if (seen.has(name)) throw invalid(name, `Parameter '${name}' is given more than once.`)
    seen.add(name)
  }
  const format = query.get('format') ?? 'csv'
  if (!(LOG_EXPORT_FORMATS as readonly string[]).includes(format))
    throw invalid('format', "Invalid 'format': csv or ndjson.")
  const lane = query.get('lane') ?? undefined
  if (lane !== undefined && !(LANES as readonly string[]).includes(lane))
    throw invalid('lane', `Invalid 'lane': ${LANES.join(', ')}.`)
  const toMs = timeOf(query, 'to') ?? now.getTime()
  const fromMs = timeOf(query, 'from') ?? toMs - DEFAULT_EXPORT_DAYS * DAY_MS
  if (toMs <= fromMs) throw invalid('to', "Invalid 'to': it must be after 'from'.")
  if (toMs - fromMs > MAX_EXPORT_DAYS * DAY_MS)
    throw invalid('from', `Invalid 'from': one export covers at most ${MAX_EXPORT_DAYS} days before 'to'.`)
  return {
    format: format as LogExportFormat,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    keyId: textOf(query, 'key', 64),
    model: textOf(query, 'model', 200),
    lane,
    workspace: operator ? textOf(query, 'workspace', 200) : undefined,
  }
}

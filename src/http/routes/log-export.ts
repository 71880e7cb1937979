/**
 * Request logs exported as CSV or NDJSON, streamed from storage page by page:
 *
 *   GET /api/v1/logs/export?format=&from=&to=&key=&model=&lane=              one workspace (logs.read)
 *   GET /api/v1/admin/logs/export?format=&from=&to=&key=&model=&lane=&workspace=   the operator's:
 *                                                        every workspace, or the one named
 *
 * Memory stays bounded whatever the range: rows are read with a keyset cursor on
 * `(created_at, id)`, one page at a time, and the next page is read only once the client took the
 * last one (`drain`). A client that goes away stops the reads. The first page is read before the
 * headers, so a storage failure there is an ordinary JSON error; a failure after the headers
 * cannot be one any more: the response is cut short (the client sees an incomplete transfer, not
 * a complete-looking file) and the error goes to the log. Parameters: http/log-export-query.ts;
 * columns: http/log-export-rows.ts.
 *
 * @module
 */
import { once } from 'node:events'
import type { ServerResponse } from 'node:http'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { RequestContext } from '../../gateway/request-context.ts'
import { describeError, type Logger } from '../../logging/logger.ts'
import type { RequestLogWriter } from '../../logging/request-log-writer.ts'
import type {
  RequestLogExportFilter,
  RequestLogExportRow,
  RequestLogRepository,
  WorkspaceRepository,
} from '../../storage/store.ts'
import { type LogExportFormat, type LogExportQuery, parseLogExportQuery } from '../log-export-query.ts'
import { CSV_HEADER, csvRows, ndjsonRows } from '../log-export-rows.ts'
import { queryOf } from '../request-query.ts'

/** Rows read from storage per page. */
export const EXPORT_PAGE_SIZE = 1_000

/** Where an export goes: a response, and the signal that aborts when its client goes away. */
export interface ExportTarget {
  response: ServerResponse
  signal: AbortSignal
  requestId: string
}

/** What {@link streamLogExport} reads from, and how. */
export interface ExportSource {
  requestLogRepository: Pick<RequestLogRepository, 'exportPage'>
  logger: Logger
  /** Rows per page (default {@link EXPORT_PAGE_SIZE}). */
  pageSize?: number
  /** Told the row count of every page read (tests count pages with it). */
  onPage?: (rows: number) => void
}

const CONTENT_TYPE: Record<LogExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
}

/** `2026-03-01T00:00:00.000Z` → `20260301T000000Z`: a file name without colons. */
function compactTime(iso: string): string {
  return iso
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll('-', '')
    .replaceAll(':', '')
}

/** Writes `chunk`; resolves false when the client went away while the socket was full. */
async function write(target: ExportTarget, chunk: string): Promise<boolean> {
  if (target.response.write(chunk)) return true
  try {
    await once(target.response, 'drain', { signal: target.signal })
    return true
  } catch {
    return false
  }
}

/**
 * Streams the rows `filter` selects to `target` in `format`, oldest first. Throws (before any
 * header is written) when the first page cannot be read; later failures end the response early
 * and are logged.
 */
export async function streamLogExport(
  target: ExportTarget,
  format: LogExportFormat,
  filter: RequestLogExportFilter,
  source: ExportSource,
): Promise<void> {
  const pageSize = source.pageSize ?? EXPORT_PAGE_SIZE
  const read = async (after: RequestLogExportRow | undefined) => {
    const cursor = after === undefined ? undefined : { createdAt: after.createdAt, id: after.id }
    const rows = await source.requestLogRepository.exportPage(filter, cursor, pageSize)
    source.onPage?.(rows.length)
    return rows
  }
  const encode = format === 'csv' ? csvRows : ndjsonRows
  let page = await read(undefined)
  const extension = format === 'csv' ? 'csv' : 'ndjson'
  const fileName = `onekey-logs-${compactTime(filter.from)}-${compactTime(filter.to)}.${extension}`
  const { response } = target
  if (response.headersSent || response.destroyed) return
  response.writeHead(200, {
    'content-type': CONTENT_TYPE[format],
    'content-disposition': `attachment; filename="${fileName}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-request-id': target.requestId,
  })
  let pending = format === 'csv' ? CSV_HEADER : ''
  try {
    for (;;) {
      if (!(await write(target, pending + encode(page)))) return
      pending = ''
      if (page.length < pageSize || target.signal.aborted) break
      // SQLite reads are synchronous: without a turn of the event loop between pages, a long export
      // into a socket that keeps accepting would hold every other request up until it finished.
      await new Promise((resolve) => setImmediate(resolve))
      if (target.signal.aborted) break
      page = await read(page.at(-1))
    }
    if (!target.signal.aborted) response.end()
  } catch (error) {
    source.logger.error('log export failed after the headers were sent', {
      request_id: target.requestId,
      ...describeError(error),
    })
    response.destroy()
  }
}

export interface LogExportDependencies {
  requestLogs: Pick<RequestLogWriter, 'flush'>
  requestLogRepository: Pick<RequestLogRepository, 'exportPage'>
  workspaces: Pick<WorkspaceRepository, 'find'>
  logger: Logger
  now?: () => Date
}

function filterOf(query: LogExportQuery, workspaceId: string | undefined): RequestLogExportFilter {
  const { from, to, keyId, model, lane } = query
  return { workspaceId, from, to, keyId, model, lane }
}

/** The two export routes' handlers; callers are checked by the route tables first. */
export function createLogExport(dependencies: LogExportDependencies) {
  const now = dependencies.now ?? (() => new Date())

  async function run(context: RequestContext, query: LogExportQuery, workspaceId: string | undefined) {
    // Rows still in the writer's buffer belong to the export.
    await dependencies.requestLogs.flush()
    await streamLogExport(context, query.format, filterOf(query, workspaceId), dependencies)
  }

  return {
    /** `GET /api/v1/logs/export`: the caller's workspace only (there is no `workspace=` here). */
    async workspace(context: RequestContext, workspaceId: string): Promise<void> {
      await run(context, parseLogExportQuery(queryOf(context), false, now()), workspaceId)
    },
    /** `GET /api/v1/admin/logs/export`: every workspace, or the one `workspace=` names (ID or name). */
    async operator(context: RequestContext): Promise<void> {
      const query = parseLogExportQuery(queryOf(context), true, now())
      let workspaceId: string | undefined
      if (query.workspace !== undefined) {
        const workspace = await dependencies.workspaces.find(query.workspace)
        if (workspace === undefined)
          throw new GatewayError('not_found', `No workspace \`${query.workspace}\`.`, { param: 'workspace' })
        workspaceId = workspace.id
      }
      await run(context, query, workspaceId)
    },
  }
}

/**
 * Fixtures of the log-export tests: an RFC 4180 reader for what the export writes, and the
 * inserted rows (ties on time, formula starts, quotes and line breaks, a key that is gone), and a
 * bare HTTP server that runs the export's writer over the real repository.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { LOG_EXPORT_COLUMNS } from '../../src/http/log-export-rows.ts'
import type { ExportTarget } from '../../src/http/routes/log-export.ts'
import type { RequestLogExportFilter, RequestLogRecord } from '../../src/storage/store.ts'

export const FORMULA_MODEL = '=HYPERLINK("http://evil.example","x")'
export const GONE_KEY_ID = 'key_gone_00000000'

const LANES = ['cheap', 'resale', 'byok'] as const

/** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF records, line breaks inside quotes. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let quoted = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"'
        index++
      } else if (char === '"') quoted = false
      else field += char
    } else if (char === '"' && field === '') quoted = true
    else if (char === ',') {
      record.push(field)
      field = ''
    } else if (char === '\r' && text[index + 1] === '\n') {
      record.push(field)
      records.push(record)
      record = []
      field = ''
      index++
    } else field += char
  }
  assert.equal(quoted, false, 'an unterminated quoted field')
  assert.equal(field + record.join(''), '', 'the last record ends with CRLF')
  return records
}

/** CSV rows as objects by header name. */
export function csvObjects(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text)
  assert.deepEqual(header, [...LOG_EXPORT_COLUMNS])
  return rows.map((row) => {
    assert.equal(row.length, LOG_EXPORT_COLUMNS.length)
    return Object.fromEntries(LOG_EXPORT_COLUMNS.map((column, index) => [column, row[index]!]))
  })
}

export function volumeRow(index: number, workspaceId: string, keyId: string, base: number): RequestLogRecord {
  const costNano = ((index * 7_919) % 1_000_003) + 1
  const errorCode = index % 1_000 === 3 ? '@SUM(A1)' : null
  return {
    id: `gen_vol_${workspaceId.slice(-6)}_${String(index).padStart(6, '0')}`,
    requestId: `req_vol_${index}`,
    workspaceId,
    keyId: index % 2 === 0 ? keyId : GONE_KEY_ID,
    model: index % 500 === 7 ? FORMULA_MODEL : index % 2 === 0 ? 'm-alpha' : 'm-beta',
    lane: LANES[index % 3]!,
    provider: 'sim',
    upstreamModel: null,
    stream: index % 4 === 0,
    status: errorCode === null ? 200 : 500,
    errorCode,
    promptTokens: index,
    completionTokens: 2 * index,
    cachedTokens: 0,
    costNano,
    chargedNano: index % 10 === 0 ? Math.floor(costNano / 2) : costNano,
    ledgerEntryId: null,
    latencyMs: 100 + (index % 50),
    firstByteMs: index % 5 === 0 ? null : 20,
    finishReason: index % 250 === 1 ? 'stop, "quoted"\r\nnext' : 'stop',
    usageSource: 'upstream',
    // Three rows share each second: the cursor's id breaks the ties.
    createdAt: new Date(base + Math.floor(index / 3) * 1_000).toISOString(),
  }
}

/** Every row of `workspaceId` (or every workspace) between `from` and `to`. */
export function wholeRange(
  workspaceId: string | undefined,
  from: number,
  to: number,
): RequestLogExportFilter {
  const iso = (ms: number) => new Date(ms).toISOString()
  return { workspaceId, from: iso(from), to: iso(to), keyId: undefined, model: undefined, lane: undefined }
}

/**
 * A real HTTP server on 127.0.0.1:0 whose every request runs `run` on its response, with the
 * signal aborted when the client goes away (as the gateway's app does).
 */
export async function serveExport(
  run: (target: ExportTarget) => Promise<void>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const controller = new AbortController()
    response.on('close', () => {
      if (!response.writableFinished) controller.abort()
    })
    request.resume()
    void run({ response, signal: controller.signal, requestId: 'req_export_test' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/**
 * Request-log export end to end, on SQLite and on PostgreSQL (partitioned request_logs): rows
 * from real chat requests and 5 000 inserted ones come back complete, oldest first, with exact
 * decimal costs (the exported charges of the real requests add up to their usage ledger entries);
 * the filters (time, key, model, lane) select exactly; CSV parses back (RFC 4180) with formula
 * starts neutralised and NDJSON lines parse; another workspace's rows never show; the query is
 * strict; the operator's export covers every workspace or one. Storage is read page by page
 * (counted through the export's page hook over the real repository), a client that goes away
 * stops the reads, and a storage failure after the headers cuts the response short and is logged.
 */
import assert from 'node:assert/strict'
import { get } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { formatNanoUsd } from '../../src/billing/cost.ts'
import { parseUsdNano } from '../../src/contracts/usd.ts'
import { LOG_EXPORT_COLUMNS } from '../../src/http/log-export-rows.ts'
import { streamLogExport } from '../../src/http/routes/log-export.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createStore } from '../../src/storage/create-store.ts'
import type { RequestLogRecord, Store } from '../../src/storage/store.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import { ConsoleClient } from '../helpers/console-client.ts'
import {
  csvObjects,
  FORMULA_MODEL,
  GONE_KEY_ID,
  serveExport,
  volumeRow,
  wholeRange,
} from '../helpers/log-export-fixtures.ts'
import { offer, readJson, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const ADMIN_TOKEN = 'admin-token-for-log-export-0123456789'
const VOLUME = 5_000
const DAY_MS = 86_400_000

interface Backend {
  name: string
  skip: string | false
  open(): Promise<{ store: Store; close(): Promise<void> }>
}

function exportSuite(backend: Backend): void {
  describe(`log export on ${backend.name}`, { skip: backend.skip }, () => {
    let gateway: TestGateway
    let backendStore: { store: Store; close(): Promise<void> }
    let managementKey: string
    let requestKeyId: string
    let volumeKeyId: string
    let otherWorkspaceId: string
    let otherKeyId: string
    let otherManagementKey: string
    const base = Date.now() - 5 * DAY_MS
    const volume: RequestLogRecord[] = []

    const call = (path: string, token = managementKey) =>
      fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } })

    async function exported(query: string, token = managementKey): Promise<Record<string, string>[]> {
      const response = await call(`/api/v1/logs/export${query}`, token)
      assert.equal(response.status, 200, await response.clone().text())
      return csvObjects(await response.text())
    }

    before(async () => {
      backendStore = await backend.open()
      gateway = await startTestGateway(
        {
          providers: [{ name: 'sim', kind: 'sim' }],
          models: [{ id: 'sim-echo', offers: [offer('sim')] }],
        },
        { ONEKEY_ADMIN_TOKEN: ADMIN_TOKEN },
        { store: backendStore.store },
      )
      const { service, store, workspaceId } = gateway
      managementKey = (
        await service.createApiKey({ workspace: workspaceId, name: 'exporter', management: true })
      ).key
      requestKeyId = (await store.apiKeys.list(workspaceId)).find((key) => key.name === 'test')!.id
      volumeKeyId = (
        await service.createApiKey({ workspace: workspaceId, name: '@evil key', management: false })
      ).record.id
      for (let index = 0; index < 6; index++) {
        const response = await gateway.post('/v1/chat/completions', {
          model: 'sim-echo',
          messages: [{ role: 'user', content: `hello ${index}` }],
        })
        assert.equal(response.status, 200)
        await response.text()
      }
      for (let index = 0; index < VOLUME; index++)
        volume.push(volumeRow(index, workspaceId, volumeKeyId, base))
      for (let start = 0; start < VOLUME; start += 500)
        await store.requestLogs.insertMany(volume.slice(start, start + 500))
      const other = await service.createWorkspace('other-workspace')
      otherWorkspaceId = other.id
      const otherKey = await service.createApiKey({ workspace: other.id, name: 'other', management: true })
      otherKeyId = otherKey.record.id
      otherManagementKey = otherKey.key
      await store.requestLogs.insertMany(
        Array.from({ length: 40 }, (_, index) => ({
          ...volumeRow(index, other.id, otherKeyId, base),
          keyId: otherKeyId,
          model: 'm-other',
        })),
      )
    })
    after(async () => {
      await gateway?.close()
      await backendStore?.close()
    })

    test('everything, oldest first, exact costs; the real requests add up to their usage entries', async () => {
      const response = await call('/api/v1/logs/export')
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8')
      assert.equal(response.headers.get('cache-control'), 'no-store')
      assert.match(
        response.headers.get('content-disposition')!,
        /^attachment; filename="onekey-logs-\d{8}T\d{6}Z-\d{8}T\d{6}Z\.csv"$/,
      )
      const rows = csvObjects(await response.text())
      assert.equal(rows.length, VOLUME + 6)
      const ids = rows.map((row) => row.generation_id!)
      assert.equal(new Set(ids).size, ids.length, 'no row twice')
      for (let index = 1; index < rows.length; index++)
        assert.ok(rows[index - 1]!.time! <= rows[index]!.time!, `in time order at ${index}`)
      assert.ok(rows.every((row) => row.workspace_id === gateway.workspaceId))
      const byId = new Map(rows.map((row) => [row.generation_id, row]))
      for (const record of volume) {
        const row = byId.get(record.id)
        assert.ok(row, record.id)
        assert.equal(row.cost_usd, formatNanoUsd(record.costNano))
        assert.equal(row.charged_usd, formatNanoUsd(record.chargedNano))
        assert.equal(row.time, record.createdAt)
        assert.equal(row.prompt_tokens, String(record.promptTokens))
      }
      // The real requests' charges, summed from their exact strings, are what the ledger took.
      const real = rows.filter((row) => row.key_id === requestKeyId)
      assert.equal(real.length, 6)
      assert.ok(real.every((row) => row.key_name === 'test' && row.key_prefix !== '' && row.lane === 'cheap'))
      assert.ok(real.every((row) => /^\d+(\.\d{1,9})?$/.test(row.charged_usd!)))
      const exportedNano = real.reduce((sum, row) => sum + parseUsdNano(row.charged_usd!), 0)
      const usage = (await gateway.store.ledger.list(gateway.workspaceId, { limit: 500 })).filter(
        (entry) => entry.kind === 'usage',
      )
      assert.ok(exportedNano > 0)
      assert.equal(exportedNano, -usage.reduce((sum, entry) => sum + entry.amountNano, 0))
      // The key is named, never given.
      const all = rows.map((row) => Object.values(row).join(',')).join('\n')
      assert.ok(!all.includes(gateway.apiKey) && !all.includes(managementKey))
    })

    test('formula starts are neutralised, quoting survives, a gone key has no name', async () => {
      const rows = await exported(`?key=${GONE_KEY_ID}`)
      assert.equal(rows.length, VOLUME / 2)
      assert.ok(rows.every((row) => row.key_name === '' && row.key_prefix === ''))
      const formula = rows.filter((row) => row.model!.includes('HYPERLINK'))
      assert.ok(formula.length > 0)
      assert.ok(formula.every((row) => row.model === `'${FORMULA_MODEL}`))
      const named = await exported(`?key=${volumeKeyId}&model=m-alpha`)
      assert.ok(named.every((row) => row.key_name === "'@evil key"))
      const errors = (await exported('')).filter((row) => row.error_code !== '')
      assert.ok(errors.length > 0 && errors.every((row) => row.error_code === "'@SUM(A1)"))
      const quoted = (await exported('')).filter((row) => row.finish_reason!.startsWith('stop,'))
      assert.ok(quoted.length > 0 && quoted.every((row) => row.finish_reason === 'stop, "quoted"\r\nnext'))
    })

    test('filters: time window, key, model, lane, together', async () => {
      const from = new Date(base + 100_000).toISOString()
      const to = new Date(base + 200_000).toISOString()
      const window = await exported(`?from=${from}&to=${to}`)
      const expected = volume.filter((row) => row.createdAt >= from && row.createdAt < to)
      assert.equal(window.length, expected.length)
      assert.deepEqual(window.map((row) => row.generation_id).sort(), expected.map((row) => row.id).sort())
      assert.equal((await exported(`?key=${requestKeyId}`)).length, 6)
      const lane = await exported('?lane=resale')
      assert.equal(lane.length, volume.filter((row) => row.lane === 'resale').length)
      assert.ok(lane.every((row) => row.lane === 'resale'))
      const model = await exported('?model=m-beta')
      assert.equal(model.length, volume.filter((row) => row.model === 'm-beta').length)
      const together = await exported(`?model=m-alpha&lane=byok&key=${volumeKeyId}&from=${from}&to=${to}`)
      const expectedTogether = expected.filter(
        (row) => row.model === 'm-alpha' && row.lane === 'byok' && row.keyId === volumeKeyId,
      )
      assert.ok(expectedTogether.length > 0)
      assert.deepEqual(
        together.map((row) => row.generation_id).sort(),
        expectedTogether.map((row) => row.id).sort(),
      )
      // A range with no rows is a header alone.
      assert.deepEqual(await exported('?from=2020-01-01&to=2020-01-02'), [])
    })

    test('NDJSON: one object per line, the same fields, money as strings', async () => {
      const response = await call(`/api/v1/logs/export?format=ndjson&lane=cheap&key=${GONE_KEY_ID}`)
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('content-type'), 'application/x-ndjson')
      assert.match(response.headers.get('content-disposition')!, /\.ndjson"$/)
      const text = await response.text()
      assert.ok(text.endsWith('\n'))
      const lines = text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line))
      const expected = volume.filter((row) => row.lane === 'cheap' && row.keyId === GONE_KEY_ID)
      assert.equal(lines.length, expected.length)
      for (const line of lines) assert.deepEqual(Object.keys(line), [...LOG_EXPORT_COLUMNS])
      const first = lines[0]
      const record = expected[0]!
      assert.equal(first.generation_id, record.id)
      assert.equal(first.cost_usd, formatNanoUsd(record.costNano))
      assert.equal(typeof first.prompt_tokens, 'number')
      assert.equal(typeof first.stream, 'boolean')
      assert.ok(
        lines.some((line) => line.model === FORMULA_MODEL),
        'NDJSON keeps text as it is',
      )
    })

    test("another workspace's rows never show", async () => {
      const mine = await exported('')
      assert.ok(mine.every((row) => row.workspace_id === gateway.workspaceId && row.model !== 'm-other'))
      assert.deepEqual(await exported(`?key=${otherKeyId}`), [])
      const crossing = await call(`/api/v1/logs/export?workspace=${otherWorkspaceId}`)
      assert.equal(crossing.status, 400)
      assert.equal((await readJson(crossing)).error.param, 'workspace')
      const theirs = await exported('', otherManagementKey)
      assert.equal(theirs.length, 40)
      assert.ok(theirs.every((row) => row.workspace_id === otherWorkspaceId))
      // An inference-only key may not export.
      assert.equal((await call('/api/v1/logs/export', gateway.apiKey)).status, 403)
    })

    test('the query is strict: a bad parameter is a 400 naming it', async () => {
      const cases: [string, string][] = [
        ['?foo=1', 'foo'],
        ['?format=xml', 'format'],
        ['?format=csv&format=ndjson', 'format'],
        ['?lane=gold', 'lane'],
        ['?from=yesterday', 'from'],
        ['?from=2026-02-30', 'from'],
        ['?from=2026-03-01T10:00:00', 'from'],
        ['?to=2026-13-01', 'to'],
        ['?from=2026-03-02&to=2026-03-01', 'to'],
        ['?from=2026-03-01&to=2026-03-01', 'to'],
        ['?from=2024-01-01&to=2026-01-01', 'from'],
        ['?key=', 'key'],
        [`?model=${'x'.repeat(201)}`, 'model'],
      ]
      for (const [query, param] of cases) {
        const response = await call(`/api/v1/logs/export${query}`)
        const body = await readJson(response)
        assert.equal(response.status, 400, `${query} → ${JSON.stringify(body)}`)
        assert.deepEqual(Object.keys(body), ['error'])
        assert.equal(body.error.type, 'invalid_request_error')
        assert.equal(body.error.code, 'invalid_parameter')
        assert.equal(body.error.param, param, query)
        assert.match(body.error.message, new RegExp(`'${param}'`))
      }
      // Dates, times with a zone and an offset are all fine.
      for (const query of ['?from=2026-03-01', '?to=2026-03-01T12:00:00.5%2B02:00', '?format=ndjson']) {
        const response = await call(`/api/v1/logs/export${query}`)
        assert.equal(response.status, 200, query)
        await response.text()
      }
    })

    test("a console session exports its workspace's logs", async () => {
      const client = new ConsoleClient(gateway.url)
      const signedUp = await client.signUp(`exporter-${backend.name.toLowerCase()}@example.test`)
      assert.equal(signedUp.status, 201)
      const answer = await client.get('/api/v1/logs/export')
      assert.equal(answer.status, 200)
      assert.equal(answer.headers.get('content-type'), 'text/csv; charset=utf-8')
      assert.deepEqual(csvObjects(answer.body.text), [])
    })

    test('the operator exports every workspace, or one', async () => {
      const operator = (query: string, token = ADMIN_TOKEN) =>
        call(`/api/v1/admin/logs/export${query}`, token)
      const everything = await operator('')
      assert.equal(everything.status, 200)
      const rows = csvObjects(await everything.text())
      assert.equal(rows.length, VOLUME + 6 + 40)
      assert.deepEqual(
        new Set(rows.map((row) => row.workspace_id)),
        new Set([gateway.workspaceId, otherWorkspaceId]),
      )
      const one = await operator(`?workspace=other-workspace&format=ndjson`)
      assert.equal(one.status, 200)
      const lines = (await one.text()).trimEnd().split('\n')
      assert.equal(lines.length, 40)
      assert.ok(lines.every((line) => JSON.parse(line).workspace_id === otherWorkspaceId))
      const unknown = await operator('?workspace=nope')
      assert.equal(unknown.status, 404)
      assert.equal((await readJson(unknown)).error.param, 'workspace')
      assert.equal((await operator('?bogus=1')).status, 400)
      assert.equal((await operator('', managementKey)).status, 401)
    })

    test('storage is read page by page; a client that leaves stops the reads', async () => {
      const filter = wholeRange(gateway.workspaceId, base - DAY_MS, Date.now() + DAY_MS)
      const logger = createLogger({ level: 'silent' })
      let pages: number[] = []
      let onPage: (rows: number) => void = () => {}
      let pageSize = 500
      const server = await serveExport((target) =>
        streamLogExport(target, 'csv', filter, {
          requestLogRepository: gateway.store.requestLogs,
          logger,
          pageSize,
          onPage: (rows) => {
            pages.push(rows)
            onPage(rows)
          },
        }),
      )
      const url = server.url
      try {
        const rows = csvObjects(await (await fetch(url)).text())
        assert.equal(rows.length, VOLUME + 6)
        // ceil(5006 / 500) pages, the last one short: no read after it.
        assert.deepEqual(pages, [...Array(10).fill(500), 6])

        // A client that stops reading, then goes away once three pages were read: the export
        // stops within a few pages (the time the socket's close takes to arrive), not at the end.
        pages = []
        pageSize = 50
        const total = Math.ceil((VOLUME + 6) / 50)
        let pagesWhenLeft = 0
        await new Promise<void>((resolve) => {
          const request = get(url, (response) => {
            response.pause()
            const leave = () => {
              pagesWhenLeft = pages.length
              request.destroy()
              resolve()
            }
            if (pages.length >= 3) leave()
            else onPage = () => void (pages.length === 3 && leave())
          })
          request.on('error', () => {})
        })
        await new Promise((resolve) => setTimeout(resolve, 300))
        const seen = pages.length
        assert.ok(seen <= pagesWhenLeft + 3, `read ${seen} pages, ${pagesWhenLeft} when the client left`)
        assert.ok(seen < total, `read ${seen} of ${total} pages for a client that read nothing`)
        await new Promise((resolve) => setTimeout(resolve, 300))
        assert.equal(pages.length, seen, 'no page read after the client left')
      } finally {
        onPage = () => {}
        await server.close()
      }
    })
  })
}

const postgresSkip = await postgresSkipReason()

exportSuite({
  name: 'SQLite',
  skip: false,
  async open() {
    const store = await createStore({ kind: 'sqlite', path: ':memory:' })
    return { store, close: () => store.close() }
  },
})

exportSuite({
  name: 'PostgreSQL',
  skip: postgresSkip,
  async open() {
    const schema = uniqueSchemaName('log_export')
    const store = await createStore(
      { kind: 'postgres', url: TEST_POSTGRES_URL },
      { schema, maxConnections: 10 },
    )
    return {
      store,
      async close() {
        await store.close()
        await dropSchema(schema)
      },
    }
  },
})

describe('log export: a storage failure after the headers', () => {
  test('cuts the response short and logs it, without a stack for the client', async () => {
    const store = await createStore({ kind: 'sqlite', path: ':memory:' })
    await store.migrate()
    const at = Date.now() - DAY_MS
    await store.requestLogs.insertMany(
      Array.from({ length: 30 }, (_, index) => volumeRow(index, 'ws_failure', 'key_x', at)),
    )
    const lines: string[] = []
    const logger = createLogger({ level: 'error', batchMs: 0, write: (text) => lines.push(text) })
    const filter = wholeRange('ws_failure', at - DAY_MS, Date.now())
    const server = await serveExport((target) =>
      streamLogExport(target, 'ndjson', filter, {
        // The real repository, a turn of the event loop away as a networked database would be.
        requestLogRepository: {
          exportPage: async (...args) => {
            await new Promise((resolve) => setImmediate(resolve))
            return store.requestLogs.exportPage(...args)
          },
        },
        logger,
        pageSize: 10,
        // The database goes away once the first page is out.
        onPage: () => void store.close(),
      }),
    )
    try {
      const response = await fetch(server.url)
      assert.equal(response.status, 200)
      // The body ends as an incomplete transfer, after whole rows and nothing else.
      let received = ''
      const decoder = new TextDecoder()
      await assert.rejects(async () => {
        for await (const chunk of response.body!) received += decoder.decode(chunk, { stream: true })
      })
      const sent = received.trimEnd().split('\n')
      assert.equal(sent.length, 10)
      assert.ok(sent.every((line) => JSON.parse(line).workspace_id === 'ws_failure'))
      await new Promise((resolve) => setTimeout(resolve, 50))
      const logged = lines.join('')
      assert.match(logged, /log export failed after the headers were sent/)
      assert.match(logged, /req_export_test/)
    } finally {
      await server.close()
    }
  })
})

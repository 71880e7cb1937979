/**
 * The batched inserts (raw-insert.ts) send PostgreSQL one typed array per column through
 * `unnest`: the types they declare must be the migrated schema's, and any text a row may carry
 * (quotes, backslashes, braces, commas, the word NULL, non-Latin and astral characters) must come
 * back as it went in, nulls as nulls, in batches of one row and of many statements.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { createStore } from '../../src/storage/create-store.ts'
import { LEDGER_ENTRY_COLUMNS } from '../../src/storage/ledger-steps.ts'
import type { InsertColumns } from '../../src/storage/raw-insert.ts'
import { REQUEST_LOG_COLUMNS } from '../../src/storage/request-log-repository.ts'
import type { RequestLogRecord, Store } from '../../src/storage/store.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'

const skip = await postgresSkipReason()

/** information_schema's data types, as the insert's array types name them. */
const ARRAY_TYPE_OF: Record<string, string> = {
  'character varying': 'text',
  text: 'text',
  integer: 'int4',
  bigint: 'int8',
}

const TRICKY = [
  `quote " and 'single'`,
  'back\\slash \\" and {braces}, commas',
  'NULL',
  '',
  'modèle 模型 🚀',
  ' spaced ',
]

describe('batched inserts on PostgreSQL: declared column types and values', { skip }, () => {
  const schema = uniqueSchemaName('raw_insert')
  let store: Store
  let client: pg.Client

  before(async () => {
    store = await createStore({ kind: 'postgres', url: `${TEST_POSTGRES_URL}?schema=${schema}` })
    await store.migrate()
    client = new pg.Client({ connectionString: TEST_POSTGRES_URL })
    await client.connect()
  })
  after(async () => {
    await client?.end()
    await store?.close()
    await dropSchema(schema)
  })

  const declared: [string, InsertColumns][] = [
    ['request_logs', REQUEST_LOG_COLUMNS],
    ['ledger_entries', LEDGER_ENTRY_COLUMNS],
  ]
  for (const [table, columns] of declared) {
    test(`${table}: every column it writes, with the schema's type`, async () => {
      const { rows } = await client.query<{ column_name: string; data_type: string }>(
        'select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2',
        [schema, table],
      )
      const actual = Object.fromEntries(rows.map((row) => [row.column_name, ARRAY_TYPE_OF[row.data_type]]))
      for (const [column, type] of Object.entries(columns))
        assert.equal(type, actual[column], `${table}.${column}`)
    })
  }

  test('text of every kind, nulls and large batches come back as written', async () => {
    await store.workspaces.create({ id: 'ws_raw', name: 'raw', createdAt: new Date().toISOString() })
    const at = Date.now()
    const record = (index: number, text: string | null): RequestLogRecord => ({
      id: `gen_raw_${index}`,
      requestId: `req_raw_${index}`,
      workspaceId: 'ws_raw',
      keyId: 'key_raw',
      model: text ?? 'm',
      lane: 'cheap',
      provider: text,
      upstreamModel: text,
      stream: index % 2 === 0,
      status: 200,
      errorCode: text,
      promptTokens: index,
      completionTokens: 2 * index,
      cachedTokens: 0,
      costNano: 9_007_199_254_740_991 - index,
      chargedNano: index,
      ledgerEntryId: null,
      latencyMs: 3,
      firstByteMs: null,
      finishReason: 'stop',
      usageSource: 'upstream',
      createdAt: new Date(at + index).toISOString(),
    })
    const texts = [...TRICKY, null]
    await store.requestLogs.insertMany([record(0, TRICKY[0]!)])
    // More rows than one statement carries.
    const many = Array.from({ length: 2_345 }, (_, index) => record(index + 1, texts[index % texts.length]!))
    await store.requestLogs.insertMany(many)
    const { rows } = await client.query(
      `select id, model, provider, upstream_model, error_code, stream, prompt_tokens, cost_nano, first_byte_ms
       from "${schema}".request_logs where workspace_id = 'ws_raw' order by created_at`,
    )
    assert.equal(rows.length, 2_346)
    for (const [index, row] of rows.entries()) {
      const text = index === 0 ? TRICKY[0]! : texts[(index - 1) % texts.length]!
      assert.deepEqual(
        [row.id, row.model, row.provider, row.upstream_model, row.error_code],
        [`gen_raw_${index}`, text ?? 'm', text, text, text],
      )
      assert.equal(row.stream, index % 2 === 0 ? 1 : 0)
      assert.equal(row.prompt_tokens, index)
      assert.equal(String(row.cost_nano), String(9_007_199_254_740_991 - index))
      assert.equal(row.first_byte_ms, null)
    }
  })
})

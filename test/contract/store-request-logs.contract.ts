/**
 * The Store contract's request-log part: batched inserts, workspace-scoped reads, daily
 * activity, retention and maintenance. Runs last; uses `ws_money` and `ws_holds` from the ledger
 * part and `key_1` from the accounts part.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RequestLogRecord, Store } from '../../src/storage/store.ts'
import { logRow } from './store-records.ts'

/** Registers the request-log tests, in order, against the suite's one store. */
export function storeRequestLogsContract(getStore: () => Store): void {
  test('request logs: batched insert, workspace-scoped reads, daily activity, retention', async () => {
    const store = getStore()
    const row = logRow
    await store.requestLogs.insertMany([
      row('g1'),
      row('g2', { lane: 'resale', model: 'n', createdAt: '2026-11-23T09:00:00.000Z' }),
      row('g3', { workspaceId: 'ws_holds', createdAt: '2026-11-23T09:30:00.000Z' }),
    ])
    await store.requestLogs.insertMany([row('g1')])
    assert.equal((await store.requestLogs.find('ws_money', 'g2'))?.lane, 'resale')
    assert.equal(await store.requestLogs.find('ws_money', 'g3'), undefined, 'another workspace never sees it')
    assert.deepEqual(
      (await store.requestLogs.list('ws_money', { limit: 10 })).map((item) => item.id),
      ['g2', 'g1'],
    )
    assert.deepEqual(
      (await store.requestLogs.list('ws_money', { limit: 10, lane: 'cheap' })).map((item) => item.id),
      ['g1'],
    )
    const activity = await store.requestLogs.activity('ws_money', '2026-11-01T00:00:00.000Z', 'lane')
    assert.deepEqual(activity, [
      {
        day: '2026-11-22',
        group: 'cheap',
        requests: 1,
        promptTokens: 10,
        completionTokens: 5,
        costNano: 1_000,
      },
      {
        day: '2026-11-23',
        group: 'resale',
        requests: 1,
        promptTokens: 10,
        completionTokens: 5,
        costNano: 1_000,
      },
    ])
    assert.equal(await store.requestLogs.deleteOlderThan('2026-11-23T00:00:00.000Z', 100), 1)
    assert.equal(await store.requestLogs.find('ws_money', 'g1'), undefined)
  })

  test('request logs: a batch of several statements lands whole or not at all; replays add nothing; long text is cut to fit', async () => {
    const store = getStore()
    // 450 rows: several statements on either engine (64 rows each on SQLite, 200 on PostgreSQL).
    const rows: RequestLogRecord[] = Array.from({ length: 450 }, (_, index) =>
      logRow(`batch_${index}`, {
        workspaceId: 'ws_batch',
        stream: index % 2 === 0,
        promptTokens: 3,
        completionTokens: 2,
        costNano: 7,
        latencyMs: 1,
        createdAt: '2026-11-24T08:00:00.000Z',
      }),
    )
    const count = async () =>
      (await store.requestLogs.activity('ws_batch', '2026-11-01T00:00:00.000Z', 'lane')).map((day) => [
        day.requests,
        day.costNano,
      ])
    // A row the table refuses, in the last statement: the statements before it are undone too.
    const refused = rows.map((row, index) =>
      index === 449 ? { ...row, keyId: null as unknown as string } : row,
    )
    await assert.rejects(store.requestLogs.insertMany(refused))
    assert.deepEqual(await count(), [], 'all or nothing')
    await store.requestLogs.insertMany(rows)
    assert.deepEqual(await count(), [[450, 450 * 7]])
    await store.requestLogs.insertMany([...rows, { ...rows[0]!, id: 'batch_new' }])
    assert.deepEqual(await count(), [[451, 451 * 7]], 'a replayed row is ignored, a new one lands')
    assert.equal((await store.requestLogs.find('ws_batch', 'batch_449'))?.stream, false)
    // Text from outside (an upstream's finish_reason, a long model ID) is cut to fit, never refused.
    await store.requestLogs.insertMany([
      { ...rows[0]!, id: 'batch_long', finishReason: 'x'.repeat(40), upstreamModel: 'm'.repeat(300) },
    ])
    const long = await store.requestLogs.find('ws_batch', 'batch_long')
    assert.deepEqual([long?.finishReason, long?.upstreamModel], ['x'.repeat(32), 'm'.repeat(200)])
  })

  test('request logs: maintain keeps what is inside retention and removes the rest (partitions on PostgreSQL)', async () => {
    const store = getStore()
    const row = (id: string, createdAt: string): RequestLogRecord =>
      logRow(id, {
        promptTokens: 1,
        completionTokens: 1,
        costNano: 1,
        latencyMs: 1,
        finishReason: null,
        createdAt,
      })
    await store.requestLogs.maintain(new Date('2026-11-23T10:00:00.000Z'), 0)
    await store.requestLogs.insertMany([
      row('m_old', '2026-11-20T10:00:00.000Z'),
      row('m_today', '2026-11-23T11:00:00.000Z'),
      row('m_tomorrow', '2026-11-24T11:00:00.000Z'),
    ])
    assert.equal((await store.requestLogs.find('ws_money', 'm_today'))?.id, 'm_today')
    const removed = await store.requestLogs.maintain(new Date('2026-11-26T10:00:00.000Z'), 1)
    assert.ok(removed >= 1)
    for (const id of ['m_old', 'm_today', 'm_tomorrow']) {
      assert.equal(await store.requestLogs.find('ws_money', id), undefined, `${id} is past retention`)
    }
    await store.requestLogs.insertMany([row('m_new', '2026-11-26T11:00:00.000Z')])
    assert.equal((await store.requestLogs.find('ws_money', 'm_new'))?.id, 'm_new')
    await store.requestLogs.maintain(new Date('2026-11-26T10:00:00.000Z'), 1)
    assert.equal(
      (await store.requestLogs.find('ws_money', 'm_new'))?.id,
      'm_new',
      'maintenance is idempotent',
    )
  })

  test('request logs: pages follow the last row of the previous page, split by ID within an instant', async () => {
    const store = getStore()
    const row = logRow
    await store.workspaces.create({ id: 'ws_pages', name: 'pages', createdAt: '2026-11-21T00:00:00.000Z' })
    // Pages: `before` is the last row of the previous page; rows of one instant are split by ID.
    await store.requestLogs.insertMany([
      row('p1', { workspaceId: 'ws_pages', createdAt: '2026-11-21T08:00:00.000Z' }),
      row('p2', { workspaceId: 'ws_pages', createdAt: '2026-11-21T08:00:00.000Z' }),
      row('p3', { workspaceId: 'ws_pages', createdAt: '2026-11-21T07:00:00.000Z' }),
    ])
    const pages: string[][] = []
    let before: string | undefined
    for (let page = 0; page < 10; page++) {
      const rows = await store.requestLogs.list('ws_pages', { limit: 2, before })
      if (rows.length === 0) break
      pages.push(rows.map((item) => item.id))
      before = rows.at(-1)!.id
    }
    assert.deepEqual(pages, [['p2', 'p1'], ['p3']])
    assert.deepEqual(
      await store.requestLogs.list('ws_holds', { limit: 2, before: 'p1' }),
      [],
      "another workspace's row is no anchor",
    )
  })
}

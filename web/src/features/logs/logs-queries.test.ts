import assert from 'node:assert/strict'
import { test } from 'node:test'
import { defaultExportRange, exportRangeProblem, logsExportUrl } from './logs-queries.ts'

test('the export link carries the filters and includes the last day', () => {
  const range = { format: 'csv', from: '2026-03-01', to: '2026-03-31' } as const
  assert.equal(
    logsExportUrl({ model: 'cheap/m', lane: 'cheap' }, range),
    '/api/v1/logs/export?format=csv&from=2026-03-01&to=2026-04-01&model=cheap%2Fm&lane=cheap',
  )
  assert.equal(
    logsExportUrl({ model: undefined, lane: undefined }, { ...range, format: 'ndjson', to: '2026-12-31' }),
    '/api/v1/logs/export?format=ndjson&from=2026-03-01&to=2027-01-01',
  )
})

test('the default range is the last 30 days, today included', () => {
  assert.deepEqual(defaultExportRange(new Date('2026-03-31T18:00:00Z')), {
    format: 'csv',
    from: '2026-03-02',
    to: '2026-03-31',
  })
})

test('a range the server would refuse is explained before the download', () => {
  const range = (from: string, to: string) => ({ format: 'csv', from, to }) as const
  assert.equal(exportRangeProblem(range('2026-03-01', '2026-03-01')), null)
  assert.equal(exportRangeProblem(range('2025-03-01', '2026-03-01')), null)
  assert.match(exportRangeProblem(range('2025-02-28', '2026-03-01')) ?? '', /366 days/)
  assert.match(exportRangeProblem(range('2026-03-02', '2026-03-01')) ?? '', /before/)
  assert.match(exportRangeProblem(range('', '2026-03-01')) ?? '', /both dates/)
})

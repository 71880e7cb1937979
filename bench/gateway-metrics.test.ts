import assert from 'node:assert/strict'
import { test } from 'node:test'
import { storageRoundTrips } from './gateway-metrics.ts'

test('storage round trips by path, from a /metrics page', () => {
  const page = [
    '# HELP onekey_storage_round_trips_total Statements sent to the database.',
    '# TYPE onekey_storage_round_trips_total counter',
    'onekey_storage_round_trips_total{backend="postgres",path="request"} 12',
    'onekey_storage_round_trips_total{backend="postgres",path="background"} 340',
    'onekey_storage_ready{backend="postgres"} 1',
    'onekey_requests_total{path="request"} 99',
  ].join('\n')
  assert.deepEqual(storageRoundTrips(page), { request: 12, background: 340 })
  assert.deepEqual(storageRoundTrips('onekey_up 1\n'), { request: 0, background: 0 })
})

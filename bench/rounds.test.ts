import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Measurement, ServicesPerRequest } from './report.ts'
import { cellOf, median, spread } from './rounds.ts'

function round(rps: number, cpuUs: number, services?: Partial<ServicesPerRequest>): Measurement {
  return {
    target: 'pg-redis',
    mode: 'non-stream',
    connections: 64,
    rps,
    cpuUs,
    allocKb: 40,
    gcUs: 5,
    meanMs: 10,
    p50Ms: 9,
    p99Ms: 20,
    errors: 1,
    rpsSpread: 0,
    bytesSent: 400,
    bytesReceived: 700,
    minorGcs: 3,
    majorGcs: 0,
    cpuShare: 0.9,
    threadCpuUs: { MainThread: cpuUs },
    cpuSpread: 0,
    storageRequestRoundTrips: 0,
    storageBackgroundRoundTrips: 0.2,
    ...(services === undefined
      ? {}
      : {
          services: {
            pgCpuUs: 10,
            pgBackgroundCpuUs: 1,
            pgBackendsLost: 0,
            redisCpuUs: 20,
            pgRoundTrips: 0.1,
            pgStatements: 0.2,
            pgTransactions: 0.05,
            pgBytesTo: 50,
            pgBytesFrom: 30,
            pgStatementTexts: { COMMIT: 0.02 },
            redisCalls: {},
            redisSent: { evalsha: 1 },
            redisBytesTo: 300,
            redisBytesFrom: 40,
            ...services,
          },
        }),
  }
}

test('median and spread', () => {
  assert.equal(median([3, 1, 2]), 2)
  assert.equal(median([4, 1, 3, 2]), 3)
  assert.ok(Number.isNaN(median([])))
  assert.equal(spread([1000]), 0)
  assert.equal(spread([900, 1000, 1200]), 0.3)
})

test('a cell: medians per figure, errors summed, the rps spread, Redis calls per command', () => {
  const cell = cellOf([
    round(1000, 200, { redisCalls: { evalsha: 2 }, pgBackendsLost: 1 }),
    round(1200, 180, { redisCalls: { evalsha: 2, publish: 0.5 } }),
    round(900, 230, { redisCalls: { evalsha: 3 } }),
  ])
  assert.equal(cell.rps, 1000)
  assert.equal(cell.cpuUs, 200)
  assert.equal(cell.errors, 3)
  assert.equal(cell.rpsSpread, 0.3)
  assert.equal(cell.cpuSpread, 0.25)
  assert.deepEqual(cell.threadCpuUs, { MainThread: 200 })
  assert.deepEqual(cell.services?.redisCalls, { evalsha: 2, publish: 0 })
  assert.deepEqual(cell.services?.redisSent, { evalsha: 1 })
  assert.equal(cell.services?.pgBackendsLost, 1)
  assert.equal(cellOf([round(1000, 200)]).services, undefined)
  assert.throws(() => cellOf([]))
})

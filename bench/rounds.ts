/**
 * A cell of the bench is measured in several rounds; this keeps the median of each figure and
 * the spread of the rounds' throughput, the figure the steady-cost target is about (issue 23:
 * within ±15 % of the median at 64 connections).
 *
 * @module
 */
import type { Measurement, ServicesPerRequest } from './report.ts'

/** The median of `values` (the upper one of an even count, as the bench always has). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** (max − min) / median: 0 for one value. */
export function spread(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  return (Math.max(...values) - Math.min(...values)) / median(values)
}

/** Each name's median over `rows` (0 where a row lacks it). */
function perName(rows: readonly Record<string, number>[]): Record<string, number> {
  const names = new Set(rows.flatMap((row) => Object.keys(row)))
  return Object.fromEntries(
    [...names].sort().map((name) => [name, median(rows.map((row) => row[name] ?? 0))]),
  )
}

function servicesMedian(rounds: readonly ServicesPerRequest[]): ServicesPerRequest {
  const of = (pick: (row: ServicesPerRequest) => number) => median(rounds.map(pick))
  const perCommand = (pick: (row: ServicesPerRequest) => Record<string, number>) => perName(rounds.map(pick))
  return {
    pgCpuUs: of((row) => row.pgCpuUs),
    pgBackgroundCpuUs: of((row) => row.pgBackgroundCpuUs),
    pgBackendsLost: rounds.reduce((sum, row) => sum + row.pgBackendsLost, 0),
    redisCpuUs: of((row) => row.redisCpuUs),
    pgRoundTrips: of((row) => row.pgRoundTrips),
    pgStatements: of((row) => row.pgStatements),
    pgTransactions: of((row) => row.pgTransactions),
    pgBytesTo: of((row) => row.pgBytesTo),
    pgBytesFrom: of((row) => row.pgBytesFrom),
    pgStatementTexts: perCommand((row) => row.pgStatementTexts),
    redisCalls: perCommand((row) => row.redisCalls),
    redisSent: perCommand((row) => row.redisSent),
    redisBytesTo: of((row) => row.redisBytesTo),
    redisBytesFrom: of((row) => row.redisBytesFrom),
  }
}

/**
 * One cell from its rounds: each figure's median over the rounds (so the figures of a cell may
 * come from different rounds), errors and lost backends summed, and the spread of the rps.
 */
export function cellOf(rounds: readonly Measurement[]): Measurement {
  const first = rounds[0]
  if (first === undefined) throw new Error('a cell needs at least one round')
  const of = (pick: (row: Measurement) => number) => median(rounds.map(pick))
  const services = rounds.flatMap((row) => (row.services === undefined ? [] : [row.services]))
  return {
    target: first.target,
    mode: first.mode,
    connections: first.connections,
    rps: of((row) => row.rps),
    cpuUs: of((row) => row.cpuUs),
    allocKb: of((row) => row.allocKb),
    gcUs: of((row) => row.gcUs),
    meanMs: of((row) => row.meanMs),
    p50Ms: of((row) => row.p50Ms),
    p99Ms: of((row) => row.p99Ms),
    errors: rounds.reduce((sum, row) => sum + row.errors, 0),
    rpsSpread: spread(rounds.map((row) => row.rps)),
    cpuSpread: spread(rounds.map((row) => row.cpuUs)),
    bytesSent: of((row) => row.bytesSent),
    bytesReceived: of((row) => row.bytesReceived),
    minorGcs: of((row) => row.minorGcs),
    majorGcs: of((row) => row.majorGcs),
    cpuShare: of((row) => row.cpuShare),
    threadCpuUs: perName(rounds.map((row) => row.threadCpuUs)),
    storageRequestRoundTrips: of((row) => row.storageRequestRoundTrips),
    storageBackgroundRoundTrips: of((row) => row.storageBackgroundRoundTrips),
    ...(services.length === 0 ? {} : { services: servicesMedian(services) }),
  }
}

/**
 * The bench's tables, in Markdown: every target against the floor, what billing costs (batched
 * and durable, each against the gateway with billing off), and what the PostgreSQL + Redis
 * targets cost per request, the services included.
 *
 * @module
 */

/** What a request cost PostgreSQL and Redis (pg-redis targets), per request unless said. */
export interface ServicesPerRequest {
  /** CPU of the backends connected to the target's database (µs). */
  pgCpuUs: number
  /** CPU of the cluster's background processes (postmaster, WAL writer, checkpointer…: µs). */
  pgBackgroundCpuUs: number
  /** Backends that exited within the window, their last CPU lost (a count, not per request). */
  pgBackendsLost: number
  redisCpuUs: number
  pgRoundTrips: number
  pgStatements: number
  pgTransactions: number
  /** Gateway → PostgreSQL and back (bytes, at the relay). */
  pgBytesTo: number
  pgBytesFrom: number
  /** Statement text (its first 70 characters) → times sent per request. */
  pgStatementTexts: Record<string, number>
  /** Redis command → calls Redis ran per request (a script's own commands included). */
  redisCalls: Record<string, number>
  /** Redis command → calls the gateway sent per request. */
  redisSent: Record<string, number>
  /** Gateway → Redis and back (bytes, at the relay). */
  redisBytesTo: number
  redisBytesFrom: number
}

/** One cell: a target under one mode and connection count (the median round). */
export interface Measurement {
  target: string
  mode: 'non-stream' | 'stream'
  connections: number
  rps: number
  /** CPU time the target's process spent per request (µs): steadier than rps on a shared machine. */
  cpuUs: number
  /** Bytes the target's process allocated per request (KB, from `--trace-gc`): steadier still. */
  allocKb: number
  /** Garbage-collection pauses per request (µs). */
  gcUs: number
  meanMs: number
  p50Ms: number
  p99Ms: number
  errors: number
  /** (max − min) / median of the rounds' rps (0 with one round). */
  rpsSpread: number
  /** The same for the CPU time per request: how much of the rps spread is the request's own cost. */
  cpuSpread: number
  /** Bytes client → target and back per request (the load generator's sockets, headers included). */
  bytesSent: number
  bytesReceived: number
  /** Young- and old-generation collections in the window (a count per round, not per request). */
  minorGcs: number
  majorGcs: number
  /** The target's processes' CPU time over the window's wall time (cores busy). */
  cpuShare: number
  /** A SQLite gateway's WAL over the round, in words for the rounds log (frames, copies, restarts). */
  walWords?: string
  /** CPU per request by thread name (`MainThread`, `V8 DefaultWorke`…: process-cpu.ts), in µs. */
  threadCpuUs: Record<string, number>
  /** The gateway's own count of storage round trips per request: on a request's path, in the background. */
  storageRequestRoundTrips: number
  storageBackgroundRoundTrips: number
  services?: ServicesPerRequest
}

/** A cell nothing was measured for (the target was not selected). */
function none(target: string, mode: Measurement['mode'], connections: number): Measurement {
  return {
    target,
    mode,
    connections,
    rps: Number.NaN,
    cpuUs: Number.NaN,
    allocKb: Number.NaN,
    gcUs: Number.NaN,
    meanMs: Number.NaN,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    errors: 0,
    rpsSpread: Number.NaN,
    cpuSpread: Number.NaN,
    bytesSent: Number.NaN,
    bytesReceived: Number.NaN,
    minorGcs: Number.NaN,
    majorGcs: Number.NaN,
    cpuShare: Number.NaN,
    threadCpuUs: {},
    storageRequestRoundTrips: Number.NaN,
    storageBackgroundRoundTrips: Number.NaN,
  }
}

const percent = (fraction: number) => `${Math.round(fraction * 100)} %`
const bytes = (to: number, from: number) => `${to.toFixed(0)} / ${from.toFixed(0)}`

/** Redis calls per request: the total, then each command's share (those of at least 0.005). */
function redisCommands(calls: Record<string, number>): string {
  const total = Object.values(calls).reduce((sum, value) => sum + value, 0)
  const each = Object.entries(calls)
    .filter(([, value]) => value >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([name, value]) => `${name} ${value.toFixed(2)}`)
  return `${total.toFixed(2)}${each.length === 0 ? '' : ` (${each.join(', ')})`}`
}

/**
 * The table of the PostgreSQL + Redis targets: what one request costs the gateway(s),
 * PostgreSQL and Redis (CPU, round trips, statements, commands, bytes), against the SQLite
 * gateway and the floor measured in the same rounds.
 */
export function servicesRows(
  results: readonly Measurement[],
  modes: readonly Measurement['mode'][],
  connections: readonly number[],
): string[] {
  const scaled = results.filter((row) => row.services !== undefined)
  if (scaled.length === 0) return []
  const rows = [
    '',
    "PostgreSQL + Redis, per request (PostgreSQL CPU: the database's backends + the cluster's background processes; bytes: to / from):",
    '',
    '| mode | conns | target | rps | rps / CPU per request spread | gateway CPU µs | PostgreSQL CPU µs | Redis CPU µs | total CPU µs | gateway / onekey (SQLite) CPU | total / floor CPU | PostgreSQL round trips / statements / transactions | storage round trips counted by the gateway: request path / background | Redis commands sent | Redis commands run | client ↔ gateway B | gateway ↔ PostgreSQL B | gateway ↔ Redis B |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const mode of modes) {
    for (const count of connections) {
      const find = (target: string) =>
        results.find((row) => row.target === target && row.mode === mode && row.connections === count)
      const [sqlite, floor] = [find('onekey'), find('floor')]
      for (const row of scaled.filter((one) => one.mode === mode && one.connections === count)) {
        const services = row.services!
        const postgres = services.pgCpuUs + services.pgBackgroundCpuUs
        const total = row.cpuUs + postgres + services.redisCpuUs
        const ratio = (part: number, whole: Measurement | undefined) =>
          whole === undefined ? '-' : `${(part / whole.cpuUs).toFixed(2)}×`
        rows.push(
          `| ${mode} | ${count} | ${row.target} | ${row.rps} | ${percent(row.rpsSpread)} / ${percent(row.cpuSpread)} | ${row.cpuUs.toFixed(0)} | ${services.pgCpuUs.toFixed(0)} + ${services.pgBackgroundCpuUs.toFixed(0)}${services.pgBackendsLost > 0 ? ` (${services.pgBackendsLost} backends exited)` : ''} | ${services.redisCpuUs.toFixed(0)} | ${total.toFixed(0)} | ${ratio(row.cpuUs, sqlite)} | ${ratio(total, floor)} | ${services.pgRoundTrips.toFixed(3)} / ${services.pgStatements.toFixed(3)} / ${services.pgTransactions.toFixed(3)} | ${row.storageRequestRoundTrips.toFixed(3)} / ${row.storageBackgroundRoundTrips.toFixed(3)} | ${redisCommands(services.redisSent)} | ${redisCommands(services.redisCalls)} | ${bytes(row.bytesSent, row.bytesReceived)} | ${bytes(services.pgBytesTo, services.pgBytesFrom)} | ${bytes(services.redisBytesTo, services.redisBytesFrom)} |`,
        )
      }
    }
  }
  rows.push(...statementRows(scaled))
  return rows
}

/** Per pg-redis cell at the most connections: the PostgreSQL statements a request sent, by text. */
function statementRows(scaled: readonly Measurement[]): string[] {
  const most = Math.max(...scaled.map((row) => row.connections))
  const rows: string[] = []
  for (const row of scaled.filter((one) => one.connections === most)) {
    const texts = Object.entries(row.services!.pgStatementTexts)
      .filter(([, count]) => count >= 0.0005)
      .sort((a, b) => b[1] - a[1])
    if (texts.length === 0) continue
    rows.push(
      '',
      `PostgreSQL statements per request, ${row.target}, ${row.mode}, ${most} connections (at the relay; request path and background together):`,
      '',
      '| per request | statement |',
      '|---|---|',
      ...texts.map(
        ([text, count]) =>
          `| ${count.toFixed(4)} | \`${text.replaceAll('|', '\\|').replaceAll('`', "'")}\` |`,
      ),
    )
  }
  return rows
}

/** The Markdown rows for `results`. */
export function reportRows(
  results: readonly Measurement[],
  modes: readonly Measurement['mode'][],
  connections: readonly number[],
): string[] {
  const CONNECTIONS = connections
  const MODES = modes
  const resultFor = (target: string, mode: Measurement['mode'], connections: number) =>
    results.find((row) => row.target === target && row.mode === mode && row.connections === connections)
  const rows = [
    '| mode | conns | direct rps | floor rps | onekey rps | onekey / floor | floor / onekey rps spread | floor / onekey CPU µs per request spread | floor / onekey CPU µs per request | floor / onekey KB allocated per request | floor mean ms | onekey mean ms | added vs floor ms | onekey p50 / p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const mode of MODES) {
    for (const connections of CONNECTIONS) {
      const pick = (target: string) => resultFor(target, mode, connections) ?? none(target, mode, connections)
      const [direct, floor, onekey] = [pick('direct'), pick('floor'), pick('onekey')]
      rows.push(
        `| ${mode} | ${connections} | ${direct.rps} | ${floor.rps} | ${onekey.rps} | ${Math.round((onekey.rps / floor.rps) * 100)} % | ${percent(floor.rpsSpread)} / ${percent(onekey.rpsSpread)} | ${percent(floor.cpuSpread)} / ${percent(onekey.cpuSpread)} | ${floor.cpuUs.toFixed(0)} / ${onekey.cpuUs.toFixed(0)} | ${floor.allocKb.toFixed(1)} / ${onekey.allocKb.toFixed(1)} | ${floor.meanMs.toFixed(3)} | ${onekey.meanMs.toFixed(3)} | ${(onekey.meanMs - floor.meanMs).toFixed(3)} | ${onekey.p50Ms.toFixed(2)} / ${onekey.p99Ms.toFixed(2)} |`,
      )
    }
  }
  for (const billed of ['onekey', 'durable']) {
    if (!results.some((row) => row.target === 'unbilled') || !results.some((row) => row.target === billed))
      continue
    rows.push(
      '',
      `What billing costs (${billed === 'onekey' ? 'batched settlements' : 'durable settlement: each answer ends after its commit'}; on against off, in the same rounds):`,
      '',
      `| mode | conns | unbilled rps | ${billed} rps | ${billed} / unbilled | unbilled / ${billed} CPU µs per request | billing's CPU µs per request | unbilled / ${billed} KB allocated per request | added vs unbilled ms |`,
      '|---|---|---|---|---|---|---|---|---|',
    )
    for (const mode of MODES) {
      for (const connections of CONNECTIONS) {
        const [unbilled, on] = [
          resultFor('unbilled', mode, connections),
          resultFor(billed, mode, connections),
        ]
        if (unbilled === undefined || on === undefined) continue
        rows.push(
          `| ${mode} | ${connections} | ${unbilled.rps} | ${on.rps} | ${Math.round((on.rps / unbilled.rps) * 100)} % | ${unbilled.cpuUs.toFixed(0)} / ${on.cpuUs.toFixed(0)} | ${(on.cpuUs - unbilled.cpuUs).toFixed(0)} | ${unbilled.allocKb.toFixed(1)} / ${on.allocKb.toFixed(1)} | ${(on.meanMs - unbilled.meanMs).toFixed(3)} |`,
        )
      }
    }
  }
  rows.push(...servicesRows(results, modes, connections))
  return rows
}

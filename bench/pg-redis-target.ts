/**
 * The bench's scale-out targets: gateways on PostgreSQL + Redis (`pg-redis`: one instance,
 * `pg-redis-2`: two), and what their requests cost those services. Each target gets services of
 * its own, so one target's counters never hold another's work:
 *
 * - a fresh database (`onekey_bench_<time>_<target>`) on the PostgreSQL at TEST_POSTGRES_URL,
 *   dropped at the end, reached through a counting relay (pg-wire-counter.ts: round trips,
 *   statements, transactions, bytes each way);
 * - a private `redis-server` on a free loopback port (no persistence, as the one on 6379 here),
 *   stopped at the end, so its `INFO` counters (CPU, commands run) are its own, reached through a
 *   counting relay (redis-wire-counter.ts: the commands sent, bytes each way). With
 *   BENCH_REDIS_URL the gateways use that server instead, under a key prefix of their own that is
 *   deleted at the end; its CPU and commands run are then the whole server's (exact only on a
 *   quiet server), the relay's counts still the target's own.
 *
 * PostgreSQL's CPU is read from `/proc/<pid>/stat`: the backends connected to the target's
 * database (pids from `pg_stat_activity`, sampled at the start and the end of a window: the
 * gateway's pool keeps them open; one that exits in between loses its last part, counted in
 * `pgBackendsLost`) plus the cluster's background processes (postmaster, checkpointer, WAL
 * writer, background writer…), which serve every database on the server.
 *
 * With BENCH_LOAD_CPUS (a `taskset` CPU list) the private Redis and the target database's
 * backends run there too, beside the load generator, so that with BENCH_SERVER_CPUS the gateway
 * has its core(s) to itself, as the issue measured it. Backends are pinned when they are
 * sampled (each round's start and end: the gateway's pool opens them during the warm-up). The
 * cluster's background processes are not the bench's and are left where they are.
 *
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { benchConfigLines, freePort, seedBenchWorkspace } from './bench-setup.ts'
import { startWireCounter, type WireCounter, type WireCounts } from './pg-wire-counter.ts'
import { type CpuSample, cpuBetween, readProcessStat, sampleCpu } from './process-cpu.ts'
import { callsBetween, type RedisCounters, redisCounters } from './redis-info.ts'
import { type CommandCounter, startCommandCounter } from './redis-wire-counter.ts'
import type { ServicesPerRequest } from './report.ts'

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** What one window of load cost the services, in totals (divide by the requests served). */
export interface ServiceCost {
  pgBackendsCpuUs: number
  pgBackgroundCpuUs: number
  /** Backends of the target's database that exited during the window (their last CPU is lost). */
  pgBackendsLost: number
  redisCpuUs: number
  /** Commands Redis ran (INFO commandstats: a script's own commands included). */
  redisCalls: Map<string, number>
  /** Commands the gateways sent (at the relay). */
  redisSent: Map<string, number>
  wire: WireCounts
  /** PostgreSQL statements by text (at the relay). */
  pgTexts: Map<string, number>
  /** Gateways → Redis and back, at the relay. */
  redisBytesToServer: number
  redisBytesFromServer: number
}

/** A snapshot of every counter a window is measured between. */
export interface ServiceSample {
  backends: CpuSample
  background: CpuSample
  wire: WireCounts
  pgTexts: Map<string, number>
  redis: RedisCounters
  redisSent: Map<string, number>
  redisBytesToServer: number
  redisBytesFromServer: number
}

/** One pg-redis target's services, ready for its gateways. */
export interface PgRedisServices {
  database: string
  /** The storage URL the gateways use: the target's database through the counting relay. */
  storageUrl: string
  /** The Redis URL the gateways use: through the counting relay. */
  redisUrl: string
  keyPrefix: string
  sample(): Promise<ServiceSample>
  close(): Promise<void>
}

/** Sends `INFO all` over a plain socket (straight to Redis, not through the relay); its text. */
async function redisInfo(url: string): Promise<string> {
  const { hostname, port } = new URL(url)
  const request = 'INFO all\r\n'
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port || 6379), hostname)
    const chunks: Buffer[] = []
    const timer = setTimeout(() => socket.destroy(new Error('redis INFO timed out')), 5_000)
    socket.on('connect', () => socket.write(request))
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      const data = Buffer.concat(chunks)
      const header = data.indexOf('\r\n')
      if (header < 0) return
      const length = Number(data.toString('latin1', 1, header))
      if (data.length < header + 2 + length + 2) return
      clearTimeout(timer)
      socket.destroy()
      resolve(data.toString('utf8', header + 2, header + 2 + length))
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

/** Where the services run (BENCH_LOAD_CPUS); everywhere when unset. */
const SERVICE_CPUS = process.env.BENCH_LOAD_CPUS

/** Pins processes the bench's target opened (its database's backends) to SERVICE_CPUS. */
function pinToServiceCpus(pids: readonly number[]): void {
  if (SERVICE_CPUS === undefined) return
  // A backend that exited meanwhile makes taskset fail: nothing to pin then.
  for (const pid of pids) execFile('taskset', ['-a', '-p', '-c', SERVICE_CPUS, String(pid)], () => {})
}

async function startPrivateRedis(children: ChildProcess[]): Promise<string> {
  const port = await freePort()
  const redisArgs = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const child =
    SERVICE_CPUS === undefined
      ? spawn('redis-server', redisArgs, { stdio: 'ignore' })
      : spawn('taskset', ['-c', SERVICE_CPUS, 'redis-server', ...redisArgs], { stdio: 'ignore' })
  children.push(child)
  const url = `redis://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await redisInfo(url)
      return url
    } catch {
      await sleep(50)
    }
  }
  throw new Error(`redis-server on port ${port} did not come up`)
}

/** Deletes the keys under `prefix` on a shared Redis (SCAN, bounded batches). */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis')
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await client.connect()
    let cursor = '0'
    for (let page = 0; page < 100_000; page++) {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      if (keys.length > 0) await client.del(...keys)
      cursor = next
      if (cursor === '0') break
    }
  } finally {
    client.disconnect()
  }
}

/**
 * Creates `name`'s database (seeded with the bench workspace), its relay and its Redis; returns
 * them with the bench workspace's key.
 */
export async function startPgRedisServices(
  name: string,
): Promise<{ services: PgRedisServices; key: string }> {
  const database = `onekey_bench_${Date.now()}_${name.replaceAll('-', '_')}`
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  const children: ChildProcess[] = []
  let relay: WireCounter | undefined
  let redisRelay: CommandCounter | undefined
  const sharedRedis = process.env.BENCH_REDIS_URL
  const keyPrefix = `onekey-bench:${database}:`
  const close = async () => {
    await relay?.close()
    await redisRelay?.close()
    for (const child of children) child.kill('SIGTERM')
    try {
      await admin.query(`drop database if exists ${database} with (force)`)
    } finally {
      await admin.end()
    }
    if (sharedRedis !== undefined) await deleteKeys(sharedRedis, keyPrefix)
  }
  try {
    await admin.query(`create database ${database}`)
    const direct = new URL(POSTGRES_URL)
    direct.pathname = `/${database}`
    const key = await seedBenchWorkspace(direct.toString())
    relay = await startWireCounter({ host: direct.hostname, port: Number(direct.port || 5432) })
    const relayed = new URL(direct)
    relayed.port = String(relay.port)
    const redisUrl = sharedRedis ?? (await startPrivateRedis(children))
    const redisTarget = new URL(redisUrl)
    redisRelay = await startCommandCounter({
      host: redisTarget.hostname,
      port: Number(redisTarget.port || 6379),
    })
    const relayedRedis = new URL(redisTarget)
    relayedRedis.port = String(redisRelay.port)
    const wire = relay
    const commands = redisRelay
    const sample = async (): Promise<ServiceSample> => {
      const { rows } = await admin.query<{ pid: number; backend: boolean }>(
        `select pid, datname = $1 as backend from pg_stat_activity
          where datname = $1 or backend_type <> 'client backend'`,
        [database],
      )
      const backgroundPids = rows.filter((row) => !row.backend).map((row) => row.pid)
      pinToServiceCpus(rows.filter((row) => row.backend).map((row) => row.pid))
      // The postmaster is the parent of every background process.
      const postmaster = backgroundPids.length > 0 ? readProcessStat(backgroundPids[0]!)?.ppid : undefined
      if (postmaster !== undefined) backgroundPids.push(postmaster)
      const info = await redisInfo(redisUrl)
      return {
        backends: sampleCpu(rows.filter((row) => row.backend).map((row) => row.pid)),
        background: sampleCpu(backgroundPids),
        wire: { ...wire.counts },
        pgTexts: new Map(wire.texts),
        redis: redisCounters(info),
        redisSent: new Map(commands.sent),
        redisBytesToServer: commands.relay.bytes.toServer,
        redisBytesFromServer: commands.relay.bytes.fromServer,
      }
    }
    return {
      services: {
        database,
        storageUrl: relayed.toString(),
        redisUrl: relayedRedis.toString(),
        keyPrefix,
        sample,
        close,
      },
      key,
    }
  } catch (error) {
    await close()
    throw error
  }
}

/** What the services spent between two samples (the samples' own INFO calls left out). */
export function serviceCostBetween(before: ServiceSample, after: ServiceSample): ServiceCost {
  const backends = cpuBetween(before.backends, after.backends)
  const calls = callsBetween(before.redis, after.redis)
  calls.delete('info')
  return {
    pgBackendsCpuUs: backends.cpuUs,
    pgBackgroundCpuUs: cpuBetween(before.background, after.background).cpuUs,
    pgBackendsLost: backends.lost,
    redisCpuUs: after.redis.cpuUs - before.redis.cpuUs,
    redisCalls: calls,
    pgTexts: callsBetween(
      { ...before.redis, calls: before.pgTexts },
      { ...after.redis, calls: after.pgTexts },
    ),
    redisSent: callsBetween(
      { ...before.redis, calls: before.redisSent },
      { ...after.redis, calls: after.redisSent },
    ),
    wire: {
      roundTrips: after.wire.roundTrips - before.wire.roundTrips,
      statements: after.wire.statements - before.wire.statements,
      transactions: after.wire.transactions - before.wire.transactions,
      bytesToServer: after.wire.bytesToServer - before.wire.bytesToServer,
      bytesFromServer: after.wire.bytesFromServer - before.wire.bytesFromServer,
    },
    redisBytesToServer: after.redisBytesToServer - before.redisBytesToServer,
    redisBytesFromServer: after.redisBytesFromServer - before.redisBytesFromServer,
  }
}

/** Writes the config of a gateway of target `name` on `services`, listening on `port`. */
export function writePgRedisConfig(
  directory: string,
  name: string,
  port: number,
  services: PgRedisServices,
  upstreamUrl: string,
): string {
  const configPath = join(directory, `${name}-${port}.yaml`)
  const extra = process.env.BENCH_CONFIG === undefined ? [] : [process.env.BENCH_CONFIG]
  writeFileSync(
    configPath,
    [
      `server: { host: 127.0.0.1, port: ${port} }`,
      `storage: { url: "${services.storageUrl}" }`,
      `redis: { url: "${services.redisUrl}", key_prefix: "${services.keyPrefix}" }`,
      ...benchConfigLines(upstreamUrl, extra),
    ].join('\n'),
  )
  return configPath
}

/** A window's service cost divided by the requests it served. */
export function servicesPerRequest(cost: ServiceCost, requests: number): ServicesPerRequest {
  const each = (total: number) => total / Math.max(1, requests)
  return {
    pgCpuUs: each(cost.pgBackendsCpuUs),
    pgBackgroundCpuUs: each(cost.pgBackgroundCpuUs),
    pgBackendsLost: cost.pgBackendsLost,
    redisCpuUs: each(cost.redisCpuUs),
    pgRoundTrips: each(cost.wire.roundTrips),
    pgStatements: each(cost.wire.statements),
    pgTransactions: each(cost.wire.transactions),
    pgBytesTo: each(cost.wire.bytesToServer),
    pgBytesFrom: each(cost.wire.bytesFromServer),
    pgStatementTexts: Object.fromEntries([...cost.pgTexts].map(([text, count]) => [text, each(count)])),
    redisCalls: Object.fromEntries([...cost.redisCalls].map(([name, calls]) => [name, each(calls)])),
    redisSent: Object.fromEntries([...cost.redisSent].map(([name, calls]) => [name, each(calls)])),
    redisBytesTo: each(cost.redisBytesToServer),
    redisBytesFrom: each(cost.redisBytesFromServer),
  }
}

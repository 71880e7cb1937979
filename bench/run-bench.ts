/**
 * `npm run bench`: the gateway against a minimal fast upstream, next to (a) the same load sent
 * straight to the upstream and (b) the floor, a minimal pass-through written here
 * (bench/floor.ts). Non-stream and stream, at 1, 16 and 64 connections, in one run, each
 * server in its own process; load from a closed-loop generator in this process (load-generator.ts). Prints a Markdown table and
 * the gateway's peak RSS. For the floor and the gateway it also gives CPU time, bytes allocated
 * and GC pauses per request (the last two from their `--trace-gc` lines: gc-trace.ts), and the
 * spread of each cell's rounds.
 *
 * Options (env): BENCH_DURATION_S (per round, default 3), BENCH_ROUNDS (default 3), BENCH_WARMUP_S (default 2), BENCH_CONNECTIONS (default "1,16,64"),
 * BENCH_MODES (default "non-stream,stream"), BENCH_TARGETS (default "direct,floor,onekey"; add "unbilled" for
 * the gateway with billing off, measured in the same rounds: what reservations and settlements cost; add
 * "durable" for the gateway with `billing.durable_settlement`, compared with "unbilled" the same way; add
 * "pg-redis" for one gateway on PostgreSQL + Redis and "pg-redis-2" for two, with what each request costs
 * PostgreSQL and Redis: pg-redis-target.ts), BENCH_REDIS_URL (the pg-redis targets use this Redis instead
 * of a private redis-server each), BENCH_GATEWAY_NODE_FLAGS (node flags for the gateway; default as `npm start`), BENCH_CONFIG (YAML lines
 * appended to the gateway's config, e.g. `billing: { enabled: false }`), BENCH_PROFILE=1 (writes the gateway's and the floor's CPU profiles
 * to ./onekey-gateway.cpuprofile and ./onekey-floor.cpuprofile, and the first pg-redis instance's to
 * ./onekey-pg-redis.cpuprofile, for `node --cpu-prof` analysis),
 * BENCH_WARMUP_MAX_S (default 20: the warm-up goes on until allocation per request is steady, at most this long),
 * BENCH_ROUNDS_LOG=1 (prints every round of every cell to stderr: rps, CPU, allocation, GCs), BENCH_KEEP=1 (keeps
 * the run's directory: every server's stdout with its `--trace-gc` lines, the SQLite files), BENCH_SERVER_CPUS and
 * BENCH_LOAD_CPUS (pin the measured servers, and the load generator with the upstream, to CPU lists).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  freePort,
  GATEWAY_ENV,
  GATEWAY_NODE_FLAGS,
  prepareSqliteGateway,
  warmCompileCache,
} from './bench-setup.ts'
import { loadAll, type Target } from './bench-target.ts'
import { readStorageRoundTrips } from './gateway-metrics.ts'
import { gcWindow } from './gc-trace.ts'
import {
  type PgRedisServices,
  serviceCostBetween,
  servicesPerRequest,
  startPgRedisServices,
  writePgRedisConfig,
} from './pg-redis-target.ts'
import { processCpuUs, threadCpuByName } from './process-cpu.ts'
import { type Measurement, reportRows } from './report.ts'
import { cellOf } from './rounds.ts'
import { logRound, walWords } from './rounds-log.ts'
import { readWalIndex } from './sqlite-wal-index.ts'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
/** Seconds of load per server and mode (16 connections) before anything is measured. */
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2)
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,16,64').split(',').map(Number)
const MODES = (process.env.BENCH_MODES ?? 'non-stream,stream').split(',') as Measurement['mode'][]
const PROFILE = process.env.BENCH_PROFILE === '1'
const ROUNDS_LOG = process.env.BENCH_ROUNDS_LOG === '1'
const ONLY = (process.env.BENCH_TARGETS ?? 'direct,floor,onekey').split(',')
const NODE = process.execPath
const ROOT = join(import.meta.dirname, '..')

/** The gateways' /metrics pages (their storage round-trip counters); none for the floor. */
const metricsUrls = (target: Target) =>
  target.traces.length === 0 || target.name === 'floor'
    ? []
    : target.urls.map((url) => `${new URL(url).origin}/metrics`)

const children: ChildProcess[] = []
/**
 * BENCH_SERVER_CPUS / BENCH_LOAD_CPUS (`taskset` CPU lists, e.g. 1 and 0): the measured servers
 * (the floor, the gateways) on the first, this process (the load generator, the relays) and the
 * upstream on the second, as the issue's measurements pinned them. Unset: no pinning.
 */
const SERVER_CPUS = process.env.BENCH_SERVER_CPUS
const LOAD_CPUS = process.env.BENCH_LOAD_CPUS

function start(
  args: string[],
  stdoutFile: string,
  env: Record<string, string> = {},
  cpus: string | undefined = SERVER_CPUS,
): ChildProcess {
  const command = ['--disable-warning=ExperimentalWarning', ...args]
  // taskset execs node in its own process: the pid stays the server's.
  const [file, argv] = cpus === undefined ? [NODE, command] : ['taskset', ['-c', cpus, NODE, ...command]]
  const child = spawn(file, argv, {
    cwd: ROOT,
    stdio: ['ignore', openSync(stdoutFile, 'w'), 'inherit'],
    env: { ...process.env, BENCH_UPSTREAM_KEY: 'sk-bench-upstream', ...env },
  })
  children.push(child)
  return child
}

async function waitUntilUp(url: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    try {
      await fetch(url, { method: 'POST', body: '{}' })
      return
    } catch {
      await sleep(50)
    }
  }
  throw new Error(`${url} did not come up`)
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kilobytes = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0)
  return Math.round(kilobytes / 1024)
}

/** One round of one cell. */
async function measure(target: Target, mode: Measurement['mode'], connections: number): Promise<Measurement> {
  await loadAll(target, mode, connections, 500) // warm-up: JIT, pools, auth cache
  const fromMs = target.traces.map((trace) => Date.now() - trace.startedAt)
  const cpu = () =>
    target.pids.reduce((sum, pid) => sum + processCpuUs(pid), target.pids.length ? 0 : Number.NaN)
  const storageBefore = await readStorageRoundTrips(metricsUrls(target))
  const servicesBefore = await target.services?.sample()
  const walBefore = target.databaseFile === undefined ? undefined : readWalIndex(target.databaseFile)
  const threadsBefore = target.pids.map(threadCpuByName)
  const cpuBefore = cpu()
  const startedAt = performance.now()
  const parts = await loadAll(target, mode, connections, DURATION_S * 1000)
  const cpuAfter = cpu()
  const threadsAfter = target.pids.map(threadCpuByName)
  const walAfter = target.databaseFile === undefined ? undefined : readWalIndex(target.databaseFile)
  const wallUs = (performance.now() - startedAt) * 1000
  const servicesAfter = await target.services?.sample()
  const storageAfter = await readStorageRoundTrips(metricsUrls(target))
  const toMs = target.traces.map((trace) => Date.now() - trace.startedAt)
  const gc = { allocatedMb: 0, pauseMs: 0, minorGcs: 0, majorGcs: 0 }
  if (target.traces.length === 0) gc.allocatedMb = gc.pauseMs = Number.NaN
  else await sleep(100) // the trace lines of the window reach the files
  target.traces.forEach((trace, index) => {
    const window = gcWindow(readFileSync(trace.file, 'utf8'), fromMs[index]!, toMs[index]!)
    gc.allocatedMb += window.allocatedMb
    gc.pauseMs += window.pauseMs
    gc.minorGcs += window.minorGcs
    gc.majorGcs += window.majorGcs
  })
  const served = parts.reduce((sum, part) => sum + part.requests, 0)
  const requests = Math.max(1, served)
  const threadCpuUs: Record<string, number> = {}
  threadsAfter.forEach((after, index) => {
    for (const [name, used] of after) {
      const spent = used - (threadsBefore[index]!.get(name) ?? 0)
      threadCpuUs[name] = (threadCpuUs[name] ?? 0) + spent / requests
    }
  })
  const rps = parts.reduce((sum, part) => sum + part.rps, 0)
  return {
    target: target.name,
    mode,
    connections,
    rps,
    cpuUs: (cpuAfter - cpuBefore) / requests,
    allocKb: (gc.allocatedMb * 1024) / requests,
    gcUs: (gc.pauseMs * 1000) / requests,
    meanMs: parts.reduce((sum, part) => sum + part.meanMs * part.requests, 0) / requests,
    p50Ms: Math.max(...parts.map((part) => part.p50Ms)),
    p99Ms: Math.max(...parts.map((part) => part.p99Ms)),
    errors: parts.reduce((sum, part) => sum + part.errors, 0),
    rpsSpread: 0,
    cpuSpread: 0,
    bytesSent: parts.reduce((sum, part) => sum + part.bytesSent, 0) / requests,
    bytesReceived: parts.reduce((sum, part) => sum + part.bytesReceived, 0) / requests,
    minorGcs: gc.minorGcs,
    majorGcs: gc.majorGcs,
    cpuShare: (cpuAfter - cpuBefore) / wallUs,
    threadCpuUs,
    ...(target.databaseFile === undefined
      ? {}
      : { walWords: walWords(target.databaseFile, walBefore, walAfter) }),
    storageRequestRoundTrips: metricsUrls(target).length
      ? (storageAfter.request - storageBefore.request) / requests
      : Number.NaN,
    storageBackgroundRoundTrips: metricsUrls(target).length
      ? (storageAfter.background - storageBefore.background) / requests
      : Number.NaN,
    ...(servicesBefore === undefined || servicesAfter === undefined
      ? {}
      : { services: servicesPerRequest(serviceCostBetween(servicesBefore, servicesAfter), served) }),
  }
}

/** Longest warm-up per server and mode, fixed part included (BENCH_WARMUP_MAX_S). */
const WARMUP_MAX_S = Number(process.env.BENCH_WARMUP_MAX_S ?? 20)

/**
 * After the fixed warm-up, keeps a server with `--trace-gc` lines under load in 2 s windows until
 * the bytes it allocates per request stop falling (three windows at least, the last two within
 * 3 %), at most
 * BENCH_WARMUP_MAX_S. Allocation does not depend on the machine's other load, and it falls while
 * V8 still optimizes the request path (optimized code allocates less): the first rounds of the
 * gateway measured after a 2 s warm-up read ~10 % more allocation and more CPU per request than
 * later ones.
 */
async function warmUntilSteady(target: Target, mode: Measurement['mode']): Promise<void> {
  if (target.traces.length === 0) return
  const readings: number[] = []
  for (let spent = WARMUP_S; spent + 2 <= WARMUP_MAX_S; spent += 2) {
    const fromMs = target.traces.map((trace) => Date.now() - trace.startedAt)
    const parts = await loadAll(target, mode, 16 * target.urls.length, 2_000)
    const toMs = target.traces.map((trace) => Date.now() - trace.startedAt)
    await sleep(100)
    const allocatedMb = target.traces.reduce(
      (sum, trace, index) =>
        sum + gcWindow(readFileSync(trace.file, 'utf8'), fromMs[index]!, toMs[index]!).allocatedMb,
      0,
    )
    const requests = Math.max(
      1,
      parts.reduce((sum, part) => sum + part.requests, 0),
    )
    readings.push((allocatedMb * 1024) / requests)
    // At least three windows (a slow drift can look flat twice), the last two within 3 %.
    const [previous, last] = readings.slice(-2)
    if (readings.length >= 3 && Math.abs(last! - previous!) <= 0.03 * previous!) break
  }
  process.stderr.write(
    `warm-up ${target.name} ${mode}: KB allocated per request in 2 s windows ${readings.map((kb) => kb.toFixed(1)).join(', ')}\n`,
  )
}

/** Starts one gateway process (`--trace-gc` on) on `configPath`; adds it to `target`. */
function startGateway(
  target: Target,
  configPath: string,
  logName: string,
  profileName?: string,
): ChildProcess {
  const profileFlags =
    profileName === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${ROOT}`, `--cpu-prof-name=${profileName}.cpuprofile`]
  const flags = process.env.BENCH_GATEWAY_NODE_FLAGS?.split(' ').filter(Boolean) ?? GATEWAY_NODE_FLAGS
  const gateway = start(
    ['--trace-gc', ...profileFlags, ...flags, 'src/cli/onekey.ts', 'serve', '--config', configPath],
    logName,
    GATEWAY_ENV,
  )
  target.pids.push(gateway.pid!)
  target.traces.push({ file: logName, startedAt: Date.now() })
  gateway.on('exit', (code) => {
    if (code !== null && code !== 0) console.error(`${target.name} gateway exited with ${code}`)
  })
  return gateway
}

/** A gateway on its own SQLite file in `directory`, with `extraLines` added to its config. */
async function sqliteTarget(
  directory: string,
  name: string,
  upstreamUrl: string,
  extraLines: string[],
  profile = false,
): Promise<Target> {
  const port = await freePort()
  const { configPath, key } = await prepareSqliteGateway(directory, port, upstreamUrl, { name, extraLines })
  const target: Target = {
    name,
    urls: [`http://127.0.0.1:${port}/v1/chat/completions`],
    headers: { authorization: `Bearer ${key}` },
    pids: [],
    traces: [],
    databaseFile: join(directory, `${name}.db`),
  }
  startGateway(
    target,
    configPath,
    join(directory, `${name}-gateway.log`),
    profile ? 'onekey-gateway' : undefined,
  )
  return target
}

/** `instances` gateways sharing one PostgreSQL database and one Redis of their own. */
async function pgRedisTarget(
  directory: string,
  name: string,
  instances: number,
  upstreamUrl: string,
  opened: PgRedisServices[],
): Promise<Target> {
  const { services, key } = await startPgRedisServices(name)
  opened.push(services)
  const target: Target = {
    name,
    urls: [],
    headers: { authorization: `Bearer ${key}` },
    pids: [],
    traces: [],
    services,
  }
  for (let instance = 0; instance < instances; instance++) {
    const port = await freePort()
    const configPath = writePgRedisConfig(directory, name, port, services, upstreamUrl)
    // BENCH_PROFILE=1: the first instance's profile, onekey-pg-redis.cpuprofile (or -pg-redis-2).
    const profileName = PROFILE && instance === 0 ? `onekey-${name}` : undefined
    startGateway(target, configPath, join(directory, `${name}-${instance}-gateway.log`), profileName)
    target.urls.push(`http://127.0.0.1:${port}/v1/chat/completions`)
  }
  return target
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-bench-'))
  const opened: PgRedisServices[] = []
  try {
    const [upstreamPort, floorPort] = [await freePort(), await freePort()]
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`
    if (LOAD_CPUS !== undefined)
      execFileSync('taskset', ['-a', '-p', '-c', LOAD_CPUS, String(process.pid)], { stdio: 'ignore' })
    start(['bench/fast-upstream.ts', String(upstreamPort)], join(directory, 'upstream.log'), {}, LOAD_CPUS)
    const floorProfileFlags = PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${ROOT}`, '--cpu-prof-name=onekey-floor.cpuprofile']
      : []
    const floor = start(
      ['--trace-gc', ...floorProfileFlags, 'bench/floor.ts', String(floorPort), upstreamUrl],
      join(directory, 'floor.log'),
    )

    // The gateway starts as `npm start` does after its first start: from the compile cache.
    warmCompileCache()
    const gateway = await sqliteTarget(directory, 'onekey', upstreamUrl, [], PROFILE)
    const targets: Target[] = [
      { name: 'direct', urls: [`${upstreamUrl}/v1/chat/completions`], headers: {}, pids: [], traces: [] },
      {
        name: 'floor',
        urls: [`http://127.0.0.1:${floorPort}/v1/chat/completions`],
        headers: {},
        pids: [floor.pid!],
        traces: [{ file: join(directory, 'floor.log'), startedAt: Date.now() }],
      },
      gateway,
    ]
    // The same gateway with billing off: no reservations, settlements or ledger rows (request-log
    // rows and log lines as before).
    if (ONLY.includes('unbilled'))
      targets.push(await sqliteTarget(directory, 'unbilled', upstreamUrl, ['billing: { enabled: false }']))
    // The same gateway with durable settlement: every answer's end waits for its charge's commit.
    if (ONLY.includes('durable'))
      targets.push(
        await sqliteTarget(directory, 'durable', upstreamUrl, ['billing: { durable_settlement: true }']),
      )
    if (ONLY.includes('pg-redis'))
      targets.push(await pgRedisTarget(directory, 'pg-redis', 1, upstreamUrl, opened))
    if (ONLY.includes('pg-redis-2'))
      targets.push(await pgRedisTarget(directory, 'pg-redis-2', 2, upstreamUrl, opened))
    for (const target of targets) for (const url of target.urls) await waitUntilUp(url)
    targets.splice(0, targets.length, ...targets.filter((target) => ONLY.includes(target.name)))

    // Warm every server up in both modes before the first cell: otherwise the first cell
    // (non-stream at one connection) also measures the JIT compiling the gateway's code paths.
    for (const mode of MODES) {
      for (const target of targets) {
        await loadAll(target, mode, 16 * target.urls.length, WARMUP_S * 1000)
        await warmUntilSteady(target, mode)
      }
    }

    // Each cell is measured in ROUNDS rounds, the targets in a rotating order within a round,
    // and the median round is kept: on a shared 2-core machine, drift over a minute is larger
    // than the differences being measured.
    const results: Measurement[] = []
    for (const mode of MODES) {
      for (const connections of CONNECTIONS) {
        const rounds = new Map<string, Measurement[]>()
        for (let round = 0; round < ROUNDS; round++) {
          for (let index = 0; index < targets.length; index++) {
            const target = targets[(index + round) % targets.length]!
            const result = await measure(target, mode, connections)
            if (ROUNDS_LOG) logRound(round, result, result.walWords ?? '')
            rounds.set(target.name, [...(rounds.get(target.name) ?? []), result])
          }
        }
        for (const measured of rounds.values()) {
          const result = cellOf(measured)
          results.push(result)
          process.stderr.write(
            `${mode.padEnd(10)} c=${String(connections).padStart(2)} ${result.target.padEnd(10)} ${String(result.rps).padStart(6)} rps (spread ${(result.rpsSpread * 100).toFixed(0)} %)  ${result.cpuUs.toFixed(0).padStart(4)} µs CPU/req  ${result.allocKb.toFixed(1).padStart(5)} KB/req  ${result.gcUs.toFixed(1).padStart(4)} µs GC/req  mean ${result.meanMs.toFixed(3)} ms  p99 ${result.p99Ms.toFixed(2)} ms${result.errors ? `  errors ${result.errors}` : ''}\n`,
          )
        }
      }
    }
    const rssMb = peakRssMb(gateway.pids[0]!)
    const floorRssMb = peakRssMb(floor.pid!)

    const rows = reportRows(results, MODES, CONNECTIONS)
    const errors = results.reduce((sum, row) => sum + row.errors, 0)
    process.stdout.write(
      `\n${rows.join('\n')}\n\nonekey peak RSS: ${rssMb} MB (floor: ${floorRssMb} MB); median of ${ROUNDS} rounds of ${DURATION_S} s (after a 0.5 s warm-up) per cell, every server first warmed up for ${WARMUP_S} s per mode and then until its allocation per request was steady (at most ${WARMUP_MAX_S} s); errors: ${errors}\n`,
    )
    if (errors > 0) process.exitCode = 1
  } finally {
    for (const child of children) child.kill('SIGTERM')
    await sleep(PROFILE ? 2_000 : 500)
    for (const services of opened) await services.close()
    if (process.env.BENCH_KEEP === '1')
      process.stderr.write(`kept ${directory} (logs, --trace-gc lines, SQLite files)\n`)
    else rmSync(directory, { recursive: true, force: true })
  }
}

await main()

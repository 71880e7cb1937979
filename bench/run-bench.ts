/**
 * `npm run bench`: the gateway against a minimal fast upstream, next to (a) the same load sent
 * straight to the upstream and (b) the floor, a minimal pass-through written here
 * (bench/floor.ts). Non-stream and stream, at 1, 16 and 64 connections, in one run, each
 * server in its own process; load from a closed-loop generator in this process (load-generator.ts). Prints a Markdown table and
 * the gateway's peak RSS. For the floor and the gateway it also gives CPU time, bytes allocated
 * and GC pauses per request (the last two from their `--trace-gc` lines: gc-trace.ts).
 *
 * Options (env): BENCH_DURATION_S (per round, default 3), BENCH_ROUNDS (default 3), BENCH_WARMUP_S (default 2), BENCH_CONNECTIONS (default "1,16,64"),
 * BENCH_MODES (default "non-stream,stream"), BENCH_TARGETS (default "direct,floor,onekey"; add "unbilled" for
 * the gateway with billing off, measured in the same rounds: what reservations and settlements cost; add
 * "durable" for the gateway with `billing.durable_settlement`, compared with "unbilled" the same way),
 * BENCH_GATEWAY_NODE_FLAGS (node flags for the gateway; default as `npm start`), BENCH_CONFIG (YAML lines
 * appended to the gateway's config, e.g. `billing: { enabled: false }`), BENCH_PROFILE=1 (writes the gateway's and the floor's CPU profiles
 * to ./onekey-gateway.cpuprofile and ./onekey-floor.cpuprofile, for `node --cpu-prof` analysis), BENCH_SCALE_OUT=1 (adds two gateway processes sharing
 * PostgreSQL and Redis, the load split between them).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  benchConfigLines,
  freePort,
  GATEWAY_ENV,
  GATEWAY_NODE_FLAGS,
  prepareSqliteGateway,
  seedBenchWorkspace,
  warmCompileCache,
} from './bench-setup.ts'
import { gcWindow } from './gc-trace.ts'
import { generateLoad } from './load-generator.ts'
import { type Measurement, reportRows } from './report.ts'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
/** Seconds of load per server and mode (16 connections) before anything is measured. */
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2)
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,16,64').split(',').map(Number)
const MODES = (process.env.BENCH_MODES ?? 'non-stream,stream').split(',') as Measurement['mode'][]
const PROFILE = process.env.BENCH_PROFILE === '1'
/** BENCH_SCALE_OUT=1: also two gateway processes on PostgreSQL + Redis (TEST_POSTGRES_URL, TEST_REDIS_URL). */
const SCALE_OUT = process.env.BENCH_SCALE_OUT === '1'
const NODE = process.execPath
const ROOT = join(import.meta.dirname, '..')

const children: ChildProcess[] = []
function start(args: string[], stdoutFile: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(NODE, ['--disable-warning=ExperimentalWarning', ...args], {
    cwd: ROOT,
    stdio: ['ignore', openSync(stdoutFile, 'w'), 'inherit'],
    env: { ...process.env, BENCH_UPSTREAM_KEY: 'sk-bench-upstream', ...env },
  })
  children.push(child)
  return child
}

async function waitUntilUp(url: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
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

/** User + system CPU time of a process so far, in microseconds (from /proc; clock ticks of 10 ms). */
function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return Number.NaN
  }
}

/** Target name → the pid whose CPU time a request costs (floor, onekey). */
const TARGET_PIDS = new Map<string, number>()
/** Target name → its process's stdout (where `--trace-gc` writes) and when it was started. */
const TARGET_TRACES = new Map<string, { file: string; startedAt: number }>()

/** The bench's request: a short chat completion, streamed or not. */
function requestBody(mode: Measurement['mode']): string {
  return JSON.stringify({
    model: 'bench-model',
    messages: [{ role: 'user', content: 'Say hello in a short sentence, please.' }],
    max_tokens: 64,
    ...(mode === 'stream' ? { stream: true } : {}),
  })
}

async function measure(
  target: string,
  url: string,
  mode: Measurement['mode'],
  connections: number,
  headers: Record<string, string>,
): Promise<Measurement> {
  // Scale-out: two gateway processes, the connections split between them, the results summed.
  const urls = url.split(' ')
  if (urls.length > 1) {
    const parts = await Promise.all(
      urls.map((one, index) =>
        measure(
          target,
          one,
          mode,
          Math.max(Math.floor(connections / urls.length) + (index < connections % urls.length ? 1 : 0), 1),
          headers,
        ),
      ),
    )
    const total = parts.reduce((sum, part) => sum + part.rps, 0)
    return {
      target,
      mode,
      connections,
      rps: total,
      cpuUs: Number.NaN,
      allocKb: Number.NaN,
      gcUs: Number.NaN,
      meanMs: parts.reduce((sum, part) => sum + part.meanMs * part.rps, 0) / Math.max(total, 1),
      p50Ms: Math.max(...parts.map((part) => part.p50Ms)),
      p99Ms: Math.max(...parts.map((part) => part.p99Ms)),
      errors: parts.reduce((sum, part) => sum + part.errors, 0),
    }
  }
  const options = {
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: requestBody(mode),
    connections,
  }
  await generateLoad({ ...options, durationMs: 500 }) // warm-up: JIT, pools, auth cache
  const pid = TARGET_PIDS.get(target)
  const trace = TARGET_TRACES.get(target)
  const fromMs = trace === undefined ? 0 : Date.now() - trace.startedAt
  const cpuBefore = cpuMicros(pid)
  const result = await generateLoad({ ...options, durationMs: DURATION_S * 1000 })
  const cpuAfter = cpuMicros(pid)
  let gc = { allocatedMb: Number.NaN, pauseMs: Number.NaN }
  if (trace !== undefined) {
    const toMs = Date.now() - trace.startedAt
    await sleep(100) // the trace lines of the window reach the file
    gc = gcWindow(readFileSync(trace.file, 'utf8'), fromMs, toMs)
  }
  const requests = Math.max(1, result.requests)
  return {
    target,
    mode,
    connections,
    rps: result.rps,
    cpuUs: (cpuAfter - cpuBefore) / requests,
    allocKb: (gc.allocatedMb * 1024) / requests,
    gcUs: (gc.pauseMs * 1000) / requests,
    meanMs: result.meanMs,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    errors: result.errors,
  }
}

/** A migrated store with one workspace holding $1M (the bench measures the hot path, not the balance) and its key. */

let scaleOutSchema: string | undefined

/** Two gateways sharing PostgreSQL (a fresh schema, dropped at the end) and Redis (a fresh key prefix). */
async function startScaleOut(
  directory: string,
  upstreamUrl: string,
): Promise<{ urls: string[]; key: string }> {
  const postgres = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const redis = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
  const schema = `bench_${Date.now()}`
  scaleOutSchema = schema
  const storageUrl = `${postgres}?schema=${schema}`
  const configPath = join(directory, 'scaleout.yaml')
  writeFileSync(
    configPath,
    [
      `storage: { url: "${storageUrl}" }`,
      `redis: { url: "${redis}", key_prefix: "onekey-bench:${schema}:" }`,
      ...benchConfigLines(upstreamUrl),
    ].join('\n'),
  )
  const key = await seedBenchWorkspace(storageUrl)
  const urls: string[] = []
  for (const name of ['one', 'two']) {
    const port = await freePort()
    start(
      [...GATEWAY_NODE_FLAGS, 'src/cli/onekey.ts', 'serve', '--config', configPath],
      join(directory, `scaleout-${name}.log`),
      { ONEKEY_PORT: String(port), ...GATEWAY_ENV },
    )
    urls.push(`http://127.0.0.1:${port}/v1/chat/completions`)
  }
  return { urls, key }
}

/**
 * Starts a gateway on its own SQLite file in `directory` (`name` keeps its files apart), with
 * `extraLines` added to its config; measured as target `name`.
 */
async function startSqliteGateway(
  directory: string,
  name: string,
  port: number,
  upstreamUrl: string,
  extraLines: string[],
  profile = false,
): Promise<{ url: string; key: string; pid: number }> {
  const { configPath, key } = await prepareSqliteGateway(directory, port, upstreamUrl, { name, extraLines })
  const profileFlags = profile
    ? ['--cpu-prof', `--cpu-prof-dir=${ROOT}`, '--cpu-prof-name=onekey-gateway.cpuprofile']
    : []
  const log = join(directory, `${name}-gateway.log`)
  const gateway = start(
    [
      '--trace-gc',
      ...profileFlags,
      ...(process.env.BENCH_GATEWAY_NODE_FLAGS?.split(' ').filter(Boolean) ?? GATEWAY_NODE_FLAGS),
      'src/cli/onekey.ts',
      'serve',
      '--config',
      configPath,
    ],
    log,
    GATEWAY_ENV,
  )
  TARGET_PIDS.set(name, gateway.pid!)
  TARGET_TRACES.set(name, { file: log, startedAt: Date.now() })
  gateway.on('exit', (code) => {
    if (code !== null && code !== 0) console.error(`${name} gateway exited with ${code}`)
  })
  return { url: `http://127.0.0.1:${port}/v1/chat/completions`, key, pid: gateway.pid! }
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-bench-'))
  try {
    const [upstreamPort, floorPort, gatewayPort] = [await freePort(), await freePort(), await freePort()]
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`
    start(['bench/fast-upstream.ts', String(upstreamPort)], join(directory, 'upstream.log'))
    const floorProfileFlags = PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${ROOT}`, '--cpu-prof-name=onekey-floor.cpuprofile']
      : []
    const floor = start(
      ['--trace-gc', ...floorProfileFlags, 'bench/floor.ts', String(floorPort), upstreamUrl],
      join(directory, 'floor.log'),
    )
    TARGET_PIDS.set('floor', floor.pid!)
    TARGET_TRACES.set('floor', { file: join(directory, 'floor.log'), startedAt: Date.now() })

    // The gateway starts as `npm start` does after its first start: from the compile cache.
    warmCompileCache()
    const only = process.env.BENCH_TARGETS?.split(',')
    const gateway = await startSqliteGateway(directory, 'onekey', gatewayPort, upstreamUrl, [], PROFILE)
    const targets: [string, string, Record<string, string>][] = [
      ['direct', `${upstreamUrl}/v1/chat/completions`, {}],
      ['floor', `http://127.0.0.1:${floorPort}/v1/chat/completions`, {}],
      ['onekey', gateway.url, { authorization: `Bearer ${gateway.key}` }],
    ]
    if (only?.includes('unbilled')) {
      // The same gateway with billing off: no reservations, settlements or ledger rows (request-log
      // rows and log lines as before).
      const unbilled = await startSqliteGateway(directory, 'unbilled', await freePort(), upstreamUrl, [
        'billing: { enabled: false }',
      ])
      targets.push(['unbilled', unbilled.url, { authorization: `Bearer ${unbilled.key}` }])
    }
    if (only?.includes('durable')) {
      // The same gateway with durable settlement: every answer's end waits for its charge's commit.
      const durable = await startSqliteGateway(directory, 'durable', await freePort(), upstreamUrl, [
        'billing: { durable_settlement: true }',
      ])
      targets.push(['durable', durable.url, { authorization: `Bearer ${durable.key}` }])
    }
    const scaleOut = SCALE_OUT ? await startScaleOut(directory, upstreamUrl) : undefined
    if (scaleOut !== undefined) {
      targets.push(['scaleout', scaleOut.urls.join(' '), { authorization: `Bearer ${scaleOut.key}` }])
    }
    for (const [, url] of targets) for (const one of url.split(' ')) await waitUntilUp(one)
    if (only) targets.splice(0, targets.length, ...targets.filter(([name]) => only.includes(name)))

    // Warm every server up in both modes before the first cell: otherwise the first cell
    // (non-stream at one connection) also measures the JIT compiling the gateway's code paths.
    for (const mode of MODES) {
      for (const [, url, headers] of targets) {
        for (const one of url.split(' ')) {
          await generateLoad({
            url: one,
            headers: { 'content-type': 'application/json', ...headers },
            body: requestBody(mode),
            connections: 16,
            durationMs: WARMUP_S * 1000,
          })
        }
      }
    }

    // Each cell is measured in ROUNDS rounds, the targets in a rotating order within a round,
    // and the median round is kept: on a shared 2-core machine, drift over a minute is larger
    // than the differences being measured.
    const results: Measurement[] = []
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
    for (const mode of MODES) {
      for (const connections of CONNECTIONS) {
        const rounds = new Map<string, Measurement[]>()
        for (let round = 0; round < ROUNDS; round++) {
          for (let index = 0; index < targets.length; index++) {
            const [target, url, headers] = targets[(index + round) % targets.length]!
            const result = await measure(target, url, mode, connections, headers)
            rounds.set(target, [...(rounds.get(target) ?? []), result])
          }
        }
        for (const [target, measured] of rounds) {
          const result: Measurement = {
            target,
            mode,
            connections,
            rps: median(measured.map((row) => row.rps)),
            cpuUs: median(measured.map((row) => row.cpuUs)),
            allocKb: median(measured.map((row) => row.allocKb)),
            gcUs: median(measured.map((row) => row.gcUs)),
            meanMs: median(measured.map((row) => row.meanMs)),
            p50Ms: median(measured.map((row) => row.p50Ms)),
            p99Ms: median(measured.map((row) => row.p99Ms)),
            errors: measured.reduce((sum, row) => sum + row.errors, 0),
          }
          results.push(result)
          process.stderr.write(
            `${mode.padEnd(10)} c=${String(connections).padStart(2)} ${target.padEnd(8)} ${String(result.rps).padStart(6)} rps  ${result.cpuUs.toFixed(0).padStart(4)} µs CPU/req  ${result.allocKb.toFixed(1).padStart(5)} KB/req  ${result.gcUs.toFixed(1).padStart(4)} µs GC/req  mean ${result.meanMs.toFixed(3)} ms  p99 ${result.p99Ms.toFixed(2)} ms${result.errors ? `  errors ${result.errors}` : ''}\n`,
          )
        }
      }
    }
    const rssMb = peakRssMb(gateway.pid)
    const floorRssMb = peakRssMb(floor.pid!)

    const rows = reportRows(results, MODES, CONNECTIONS)
    const errors = results.reduce((sum, row) => sum + row.errors, 0)
    process.stdout.write(
      `\n${rows.join('\n')}\n\nonekey peak RSS: ${rssMb} MB (floor: ${floorRssMb} MB); median of ${ROUNDS} rounds of ${DURATION_S} s (after a 0.5 s warm-up) per cell, every server first warmed up for ${WARMUP_S} s per mode; errors: ${errors}\n`,
    )
    if (errors > 0) process.exitCode = 1
  } finally {
    for (const child of children) child.kill('SIGTERM')
    await sleep(PROFILE ? 2_000 : 200)
    if (scaleOutSchema !== undefined) {
      const { default: pg } = await import('pg')
      const client = new pg.Client({
        connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      })
      await client.connect()
      await client.query(`drop schema if exists ${scaleOutSchema} cascade`).finally(() => client.end())
    }
    rmSync(directory, { recursive: true, force: true })
  }
}

await main()

/**
 * The three-instance deployment of `npm run bench:three` (bench/three-instances.ts) and of
 * test/e2e/three-instances.test.ts: the fast upstream, N `onekey serve` processes on one
 * PostgreSQL (a schema of their own, dropped by `close`) and one Redis (a key prefix of their
 * own), and the round-robin balancer in front, each its own process; one workspace with three
 * keys (no limit, an RPM limit, a total spend limit); bursts of requests through the balancer;
 * and the exactness checks once everything settled (balance against the request log's
 * charges, holds released, `ledger verify`).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { Pool } from 'undici'
import { createWorkspaceService } from '../src/services/workspace-service.ts'
import { createStore } from '../src/storage/create-store.ts'
import {
  freePort,
  GATEWAY_ENV,
  GATEWAY_NODE_FLAGS,
  seedBenchWorkspace,
  warmCompileCache,
} from './bench-setup.ts'
import { BALANCER_STATS_PATH, type BackendStats } from './round-robin-balancer.ts'

const ROOT = join(import.meta.dirname, '..')
const NODE = process.execPath
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** The fast upstream reports 20 prompt and 14 completion tokens for every answer. */
const COMPLETION_TOKENS = 14
/** `bench-model` at $0.15 / $0.60 per million: 20 × 150 + 14 × 600 nano-USD. */
export const BENCH_COST_NANO = 20 * 150 + COMPLETION_TOKENS * 600
/**
 * `bench-exact` prices input at zero: with max_tokens 14 its hold (14 output tokens) is its
 * charge, so "a spend limit of N requests" is exactly N requests, whatever the interleaving.
 */
export const EXACT_MODEL = 'bench-exact'
export const EXACT_COST_NANO = COMPLETION_TOKENS * 600
const STARTING_CREDIT_NANO = 1_000_000 * 1_000_000_000

/** A running three-instance deployment and how to reach it. */
export interface Deployment {
  /** The balancer's origin: every request goes through it. */
  url: string
  /** The gateways' config file, for `onekey … --config` (e.g. `ledger verify`). */
  configPath: string
  gatewayPids: number[]
  /** Each gateway's own origin (its /metrics). */
  gatewayOrigins: string[]
  balancerPid: number
  schema: string
  /** The `bench` workspace (the limited keys' too). */
  workspaceId: string
  /** Every seeded workspace, `bench` first, each with $1M. */
  workspaceIds: string[]
  /** `load`: one unlimited key per seeded workspace, `bench`'s first. */
  keys: { bench: string; rpm: string; spend: string; load: string[] }
  stats(): Promise<BackendStats[]>
  close(): Promise<void>
}

function requestBody(model: string, maxTokens: number): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say hello in a short sentence, please.' }],
    max_tokens: maxTokens,
  })
}

/** The gateways' shared config: PostgreSQL, Redis, the fast upstream, two models. */
function configLines(upstreamUrl: string, storageUrl: string, redisPrefix: string): string[] {
  return [
    'server: { host: 127.0.0.1, port: 0 }',
    `storage: { url: "${storageUrl}" }`,
    `redis: { url: "${REDIS_URL}", key_prefix: "${redisPrefix}" }`,
    'cache: { enabled: false }',
    'limits: { default_tier: bench, tiers: { bench: { rpm: 100000000, tpm: 1000000000000, concurrency: 100000 } } }',
    'providers:',
    `  - { name: upstream, kind: openai-compatible, base_url: "${upstreamUrl}/v1", accounts: [{ name: a, api_key_env: BENCH_UPSTREAM_KEY }] }`,
    'models:',
    '  - { id: bench-model, offers: [{ lane: cheap, provider: upstream, price: { input: "0.15", output: "0.6" } }] }',
    `  - { id: ${EXACT_MODEL}, offers: [{ lane: cheap, provider: upstream, price: { input: "0", output: "0.6" } }] }`,
  ]
}

/** Resolves once `url` answers anything (90 s at most); fails early when `child` exits, with its log. */
async function waitUntilUp(url: string, child?: ChildProcess, log?: string): Promise<void> {
  for (let attempt = 0; attempt < 1_800 && (child === undefined || child.exitCode === null); attempt++) {
    try {
      await (await fetch(url)).arrayBuffer()
      return
    } catch {
      await sleep(50)
    }
  }
  const output = log === undefined ? '' : readFileSync(log, 'utf8').slice(-2_000)
  throw new Error(`${url} did not come up (exit code ${child?.exitCode ?? 'none'}): ${output}`)
}

/**
 * Starts the fast upstream, `instances` gateways and the balancer, each its own process, on a
 * fresh PostgreSQL schema and Redis prefix; seeds one workspace ($1M) with three keys: `bench`
 * (no limit of its own), `rpm` (`rpm` requests a minute), `spend` (a total spend limit of
 * `spendRequests` requests of {@link EXACT_MODEL}); and `workspaces - 1` more workspaces with
 * $1M and a key each, to spread load over several balance rows.
 */
export async function startDeployment({
  instances = 3,
  rpm,
  spendRequests,
  workspaces = 1,
}: {
  instances?: number
  workspaces?: number
  rpm: number
  spendRequests: number
}): Promise<Deployment> {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-three-'))
  const schema = `three_${randomBytes(6).toString('hex')}`
  const storageUrl = `${POSTGRES_URL}?schema=${schema}`
  const children: ChildProcess[] = []
  function start(args: string[], name: string, env: Record<string, string> = {}): ChildProcess {
    const child = spawn(NODE, ['--disable-warning=ExperimentalWarning', ...args], {
      cwd: ROOT,
      stdio: ['ignore', openSync(join(directory, `${name}.log`), 'w'), 'inherit'],
      env: { ...process.env, BENCH_UPSTREAM_KEY: 'sk-bench-upstream', ...env },
    })
    children.push(child)
    return child
  }
  async function close(): Promise<void> {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
    for (let waited = 0; waited < 5_000 && children.some((child) => child.exitCode === null); waited += 50)
      await sleep(50)
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    await client.connect()
    await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end())
    rmSync(directory, { recursive: true, force: true })
  }
  try {
    const upstreamPort = await freePort()
    start(['bench/fast-upstream.ts', String(upstreamPort)], 'upstream')
    const configPath = join(directory, 'onekey.yaml')
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`
    writeFileSync(configPath, configLines(upstreamUrl, storageUrl, `onekey-three:${schema}:`).join('\n'))
    const bench = await seedBenchWorkspace(storageUrl)
    const store = await createStore({ kind: 'postgres', url: storageUrl })
    let keys: Deployment['keys']
    let workspaceId: string
    const workspaceIds: string[] = []
    try {
      const service = createWorkspaceService(store)
      workspaceId = (await service.getWorkspace('bench')).id
      workspaceIds.push(workspaceId)
      const load = [bench]
      for (let index = 2; index <= workspaces; index++) {
        const workspace = await service.createWorkspace(`load-${index}`)
        await store.ledger.append([
          {
            id: `le_load_${index}`,
            workspaceId: workspace.id,
            kind: 'adjustment',
            amountNano: STARTING_CREDIT_NANO,
            reason: 'bench credit',
            actor: 'bench',
            idempotencyKey: `load-${index}`,
            requestId: null,
            createdAt: new Date().toISOString(),
          },
        ])
        workspaceIds.push(workspace.id)
        load.push((await service.createApiKey({ workspace: workspace.name, name: 'load' })).key)
      }
      const limited = await service.createApiKey({ workspace: 'bench', name: 'rpm', limits: { rpm } })
      const spend = await service.createApiKey({ workspace: 'bench', name: 'spend' })
      await store.budgets.set({
        scope: 'key',
        scopeId: spend.record.id,
        workspaceId,
        limits: { total: spendRequests * EXACT_COST_NANO, day: null, week: null, month: null },
        at: new Date().toISOString(),
      })
      keys = { bench, rpm: limited.key, spend: spend.key, load }
    } finally {
      await store.close()
    }
    warmCompileCache()
    const origins: string[] = []
    const gateways: ChildProcess[] = []
    for (let index = 0; index < instances; index++) {
      const port = await freePort()
      gateways.push(
        start(
          [...GATEWAY_NODE_FLAGS, 'src/cli/onekey.ts', 'serve', '--config', configPath],
          `gateway-${index}`,
          {
            ONEKEY_PORT: String(port),
            ...GATEWAY_ENV,
          },
        ),
      )
      origins.push(`http://127.0.0.1:${port}`)
    }
    await waitUntilUp(`${upstreamUrl}/healthz`)
    for (const [index, origin] of origins.entries()) {
      await waitUntilUp(`${origin}/healthz`, gateways[index], join(directory, `gateway-${index}.log`))
    }
    const balancerPort = await freePort()
    const balancer = start(['bench/round-robin-balancer.ts', String(balancerPort), ...origins], 'balancer')
    const url = `http://127.0.0.1:${balancerPort}`
    await waitUntilUp(`${url}${BALANCER_STATS_PATH}`, balancer, join(directory, 'balancer.log'))
    return {
      url,
      configPath,
      gatewayPids: gateways.map((child) => child.pid!),
      gatewayOrigins: origins,
      balancerPid: balancer.pid!,
      schema,
      workspaceId,
      workspaceIds,
      keys,
      stats: async () => (await (await fetch(`${url}${BALANCER_STATS_PATH}`)).json()) as BackendStats[],
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

/**
 * Sends `count` chat completions with `key` through the balancer, `connections` at a time, and
 * resolves to every answer's status (each answer read to its end).
 */
export async function burst(
  url: string,
  key: string,
  { count, connections, model = EXACT_MODEL }: { count: number; connections: number; model?: string },
): Promise<number[]> {
  const pool = new Pool(url, { connections, pipelining: 1 })
  const statuses: number[] = []
  let sent = 0
  const body = requestBody(model, COMPLETION_TOKENS)
  async function worker(): Promise<void> {
    while (sent < count) {
      sent++
      const response = await pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      })
      await response.body.arrayBuffer()
      statuses.push(response.statusCode)
    }
  }
  try {
    await Promise.all(Array.from({ length: connections }, worker))
  } finally {
    await pool.close()
  }
  return statuses
}

/** Waits, if needed, so that a burst of a few seconds starts well inside one minute (RPM windows are fixed minutes). */
export async function startOfFreshMinute(secondsNeeded: number): Promise<void> {
  const intoMinute = Date.now() % 60_000
  if (intoMinute > 60_000 - secondsNeeded * 1_000) await sleep(60_000 - intoMinute + 200)
}

/** The result of {@link timedLoad}. */
export interface TimedLoadResult {
  requests: number
  /** Answers other than 200, and requests that failed. */
  errors: number
  /** Answers per HTTP status (`failed`: no answer). */
  statuses: Record<string, number>
  rps: number
  p50Ms: number
  p99Ms: number
}

/**
 * A closed loop like bench/load-generator.ts for `durationMs`, connection `i` using
 * `keys[i % keys.length]` (one workspace per key: load spread over several balance rows).
 */
export async function timedLoad(
  url: string,
  keys: readonly string[],
  {
    connections,
    durationMs,
    model = 'bench-model',
  }: { connections: number; durationMs: number; model?: string },
): Promise<TimedLoadResult> {
  const pool = new Pool(url, { connections, pipelining: 1 })
  const body = requestBody(model, 64)
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let errors = 0
  const started = performance.now()
  async function worker(index: number): Promise<void> {
    const headers = {
      authorization: `Bearer ${keys[index % keys.length]}`,
      'content-type': 'application/json',
    }
    while (performance.now() - started < durationMs) {
      const sent = performance.now()
      try {
        const response = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers, body })
        await response.body.arrayBuffer()
        if (response.statusCode !== 200) errors++
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1
        latencies.push(performance.now() - sent)
      } catch {
        errors++
        statuses.failed = (statuses.failed ?? 0) + 1
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: connections }, (_, index) => worker(index)))
  } finally {
    await pool.close()
  }
  const elapsedMs = performance.now() - started
  latencies.sort((a, b) => a - b)
  const at = (fraction: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? 0
  return {
    requests: latencies.length,
    errors,
    statuses,
    rps: Math.round((latencies.length / elapsedMs) * 1000),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  }
}

/** The money of the workspace after a run, as PostgreSQL holds it. */
export interface Exactness {
  startingCreditNano: number
  balanceNano: number
  heldNano: number
  instanceHoldsNano: number
  budgetHoldsNano: number
  /** Sum of `charged_nano` over the workspace's request-log rows. */
  chargedNano: number
  /** Request-log rows per HTTP status. */
  rowsByStatus: Record<string, number>
  /** Rows with status 200 whose charge is not their cost. */
  undercharged: number
  /** What `ledger verify` reports (empty: verified). */
  mismatches: unknown[]
}

async function readMoney(deployment: Deployment): Promise<Omit<Exactness, 'mismatches'>> {
  const client = new pg.Client({
    connectionString: POSTGRES_URL,
    options: `-c search_path=${deployment.schema}`,
  })
  await client.connect()
  try {
    const ids = deployment.workspaceIds
    const one = async (text: string) => Number((await client.query(text, [ids])).rows[0]?.value ?? 0)
    const byStatus = await client.query(
      'select status, count(*) as n from request_logs where workspace_id = any($1::text[]) group by status',
      [ids],
    )
    return {
      startingCreditNano: STARTING_CREDIT_NANO * ids.length,
      balanceNano: await one(
        'select coalesce(sum(balance_nano), 0) as value from workspace_balances where workspace_id = any($1::text[])',
      ),
      heldNano: await one(
        'select coalesce(sum(held_nano), 0) as value from workspace_balances where workspace_id = any($1::text[])',
      ),
      instanceHoldsNano: await one(
        'select coalesce(sum(held_nano), 0) as value from instance_holds where workspace_id = any($1::text[])',
      ),
      budgetHoldsNano: await one(
        'select coalesce(sum(held_nano), 0) as value from instance_budget_holds where workspace_id = any($1::text[])',
      ),
      chargedNano: await one(
        'select coalesce(sum(charged_nano), 0) as value from request_logs where workspace_id = any($1::text[])',
      ),
      rowsByStatus: Object.fromEntries(byStatus.rows.map((row) => [String(row.status), Number(row.n)])),
      undercharged: await one(
        'select count(*) as value from request_logs where workspace_id = any($1::text[]) and status = 200 and charged_nano <> cost_nano',
      ),
    }
  } finally {
    await client.end()
  }
}

/**
 * Waits (30 s at most) until every answer the balancer counted as 200 has its charged
 * request-log row and no hold is open (idle headroom goes back after a second), then reads
 * the workspace's money and runs `ledger verify` (the store's, as the CLI does).
 */
export async function settledExactness(deployment: Deployment): Promise<Exactness> {
  const answered = (await deployment.stats()).reduce(
    (sum, backend) => sum + (backend.statuses['200'] ?? 0),
    0,
  )
  let money = await readMoney(deployment)
  for (
    let waited = 0;
    waited < 30_000 &&
    (money.heldNano !== 0 || money.instanceHoldsNano !== 0 || (money.rowsByStatus['200'] ?? 0) < answered);
    waited += 250
  ) {
    await sleep(250)
    money = await readMoney(deployment)
  }
  const store = await createStore({ kind: 'postgres', url: `${POSTGRES_URL}?schema=${deployment.schema}` })
  try {
    return { ...money, mismatches: await store.ledger.verify() }
  } finally {
    await store.close()
  }
}

/**
 * Statements the gateway at `origin` sent its database so far (PostgreSQL: round trips, BEGIN
 * and COMMIT included), on requests' paths and in the background, from its /metrics.
 */
export async function storageRoundTrips(origin: string): Promise<{ request: number; background: number }> {
  const text = await (await fetch(`${origin}/metrics`)).text()
  const value = (path: string) =>
    Number(
      new RegExp(`^onekey_storage_round_trips_total\\{[^}]*path="${path}"[^}]*\\} (\\d+)`, 'm').exec(
        text,
      )?.[1] ?? Number.NaN,
    )
  return { request: value('request'), background: value('background') }
}

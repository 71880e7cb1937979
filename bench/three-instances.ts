/**
 * `npm run bench:three`: three `onekey serve` processes on one PostgreSQL and one Redis behind
 * the round-robin balancer (bench/three-instances-deployment.ts), bounded load, then exactness
 * under load. Prints a Markdown report; exits 1 when any exactness check fails.
 *
 * BENCH_INSTANCES (default 3) sets the number of gateway processes, BENCH_WORKSPACES (default 1)
 * the workspaces the throughput load is spread over (one key each, connection i using key
 * i mod n): with one, every instance's settlements meet on one balance row.
 *
 * 1. Throughput: BENCH_DURATION_S (default 10) s at BENCH_CONNECTIONS (default 32) after a
 *    BENCH_WARMUP_S (default 2) s warm-up, per instance and in total, with the CPU per request
 *    (also less what it spends idle, measured for BENCH_IDLE_S, default 3, s before) of each gateway, the balancer, the PostgreSQL backends serving the gateways' connections
 *    and the Redis server (INFO cpu: the whole server, other clients included).
 * 2. A key limited to BENCH_RPM (default 50) requests a minute, 2.4× that many sent at once
 *    across the instances: exactly BENCH_RPM answered, the rest 429.
 * 3. A key whose total spend limit covers BENCH_SPEND_N (default 40) requests, 3× that many
 *    sent at once: exactly BENCH_SPEND_N answered, the rest 402.
 * 4. Once settled: the balance fell by exactly the request log's charges, every answer has its
 *    charged row (at its cost), no hold is left open, and `ledger verify` finds nothing.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuMicros, postgresBackendPids, redisCpuMicros } from './scale-out-cpu.ts'
import {
  burst,
  POSTGRES_URL,
  REDIS_URL,
  settledExactness,
  startDeployment,
  startOfFreshMinute,
  storageRoundTrips,
  timedLoad,
} from './three-instances-deployment.ts'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2)
/** Seconds without load (after the warm-up) over which each process's idle CPU is measured. */
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 3)
/** Gateway processes (default 3; 1 gives the same machine's single-instance baseline). */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 3)
/** Workspaces the throughput load is spread over, one key each (default 1: one hot balance row). */
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 1)
const RPM = Number(process.env.BENCH_RPM ?? 50)
const SPEND_N = Number(process.env.BENCH_SPEND_N ?? 40)

const count = (statuses: readonly number[], status: number) => statuses.filter((one) => one === status).length
const us = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : 'n/a')

async function main(): Promise<void> {
  const deployment = await startDeployment({
    instances: INSTANCES,
    rpm: RPM,
    spendRequests: SPEND_N,
    workspaces: WORKSPACES,
  })
  const checks: [string, boolean][] = []
  try {
    const load = { connections: CONNECTIONS, durationMs: DURATION_S * 1000 }
    await timedLoad(deployment.url, deployment.keys.load, { connections: 16, durationMs: WARMUP_S * 1000 })

    // 1. Throughput, and what each process spent per request, less what it spends idle (timers,
    // heartbeats, the listening connection): at a few requests a second that is a large share.
    const postgresPids = await postgresBackendPids(POSTGRES_URL, deployment.gatewayPids)
    const pids = [...deployment.gatewayPids, deployment.balancerPid, ...postgresPids]
    await sleep(1_500) // idle headroom goes back after a second
    const idleBefore = new Map(pids.map((pid) => [pid, cpuMicros(pid)]))
    await sleep(IDLE_S * 1000)
    const idle = new Map(pids.map((pid) => [pid, (cpuMicros(pid) - (idleBefore.get(pid) ?? 0)) / IDLE_S]))
    const idlePerSecond = (pid: number) => idle.get(pid) ?? 0
    const cpuBefore = new Map(pids.map((pid) => [pid, cpuMicros(pid)]))
    const redisBefore = await redisCpuMicros(REDIS_URL)
    const statsBefore = await deployment.stats()
    const tripsBefore = await Promise.all(deployment.gatewayOrigins.map(storageRoundTrips))
    const result = await timedLoad(deployment.url, deployment.keys.load, load)
    const statsAfter = await deployment.stats()
    const tripsAfter = await Promise.all(deployment.gatewayOrigins.map(storageRoundTrips))
    const trips = (path: 'request' | 'background') =>
      tripsAfter.reduce((sum, after, index) => sum + after[path] - tripsBefore[index]![path], 0)
    const redisUs = (await redisCpuMicros(REDIS_URL)) - redisBefore
    const spent = (pid: number) => cpuMicros(pid) - (cpuBefore.get(pid) ?? 0)
    const total = Math.max(result.requests, 1)
    const lines = [
      `## ${INSTANCES} instance${INSTANCES === 1 ? '' : 's'}, ${DURATION_S} s at ${CONNECTIONS} connections, non-stream, ${WORKSPACES} workspace${WORKSPACES === 1 ? '' : 's'}`,
      '',
      '| instance | requests | share | RPS | CPU µs / request | idle CPU ms / s | CPU µs / request less idle |',
      '|---|---:|---:|---:|---:|---:|---:|',
    ]
    deployment.gatewayPids.forEach((pid, index) => {
      const requests = Math.max(statsAfter[index]!.requests - statsBefore[index]!.requests, 1)
      const idleUs = idlePerSecond(pid)
      lines.push(
        `| gateway ${index + 1} | ${requests} | ${((requests / total) * 100).toFixed(1)} % | ${Math.round((result.rps * requests) / total)} | ${us(spent(pid) / requests)} | ${(idleUs / 1000).toFixed(1)} | ${us((spent(pid) - idleUs * DURATION_S) / requests)} |`,
      )
    })
    const gatewaysUs = deployment.gatewayPids.reduce((sum, pid) => sum + spent(pid), 0)
    const gatewaysIdle = deployment.gatewayPids.reduce((sum, pid) => sum + idlePerSecond(pid), 0)
    const postgresUs = postgresPids.reduce((sum, pid) => sum + spent(pid), 0)
    const balancerUs = spent(deployment.balancerPid)
    lines.push(
      `| **total** | ${result.requests} | 100 % | **${result.rps}** | ${us(gatewaysUs / total)} | ${(gatewaysIdle / 1000).toFixed(1)} | ${us((gatewaysUs - gatewaysIdle * DURATION_S) / total)} |`,
      '',
      `Per request: gateways ${us(gatewaysUs / total)} µs, PostgreSQL backends of the gateways (${postgresPids.length}) ${us(postgresUs / total)} µs, ` +
        `Redis server ${us(redisUs / total)} µs (whole server, other clients too), balancer ${us(balancerUs / total)} µs (not part of OneKey). ` +
        `Database statements per request (round trips, BEGIN and COMMIT included): ${(trips('request') / total).toFixed(2)} on the request path, ${(trips('background') / total).toFixed(2)} in the background. ` +
        `Latency p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms; non-200 or failed: ${result.errors} (${JSON.stringify(result.statuses)}).`,
      '',
    )
    checks.push(['every throughput request answered 200', result.errors === 0])

    // 2. An RPM limit across the instances.
    await startOfFreshMinute(15)
    const rpmStatuses = await burst(deployment.url, deployment.keys.rpm, {
      count: Math.round(RPM * 2.4),
      connections: 24,
      model: 'bench-model',
    })
    checks.push([
      `RPM ${RPM}: ${count(rpmStatuses, 200)} answered, ${count(rpmStatuses, 429)} × 429 of ${rpmStatuses.length}`,
      count(rpmStatuses, 200) === RPM && count(rpmStatuses, 429) === rpmStatuses.length - RPM,
    ])

    // 3. A spend limit of SPEND_N requests across the instances.
    const spendStatuses = await burst(deployment.url, deployment.keys.spend, {
      count: SPEND_N * 3,
      connections: 24,
    })
    checks.push([
      `spend limit of ${SPEND_N} requests: ${count(spendStatuses, 200)} answered, ${count(spendStatuses, 402)} × 402 of ${spendStatuses.length}`,
      count(spendStatuses, 200) === SPEND_N && count(spendStatuses, 402) === spendStatuses.length - SPEND_N,
    ])

    // 4. The money, once settled.
    const answered = (await deployment.stats()).reduce(
      (sum, backend) => sum + (backend.statuses['200'] ?? 0),
      0,
    )
    const money = await settledExactness(deployment)
    const drop = money.startingCreditNano - money.balanceNano
    checks.push(
      [
        `balance drop ${drop} nano-USD = request-log charges ${money.chargedNano}`,
        drop === money.chargedNano && drop > 0,
      ],
      [
        `answers with status 200: ${answered}; charged 200 rows: ${money.rowsByStatus['200'] ?? 0}; charged other than their cost: ${money.undercharged}`,
        answered === (money.rowsByStatus['200'] ?? 0) && money.undercharged === 0,
      ],
      [
        `holds open at the end: balance ${money.heldNano}, instances ${money.instanceHoldsNano}, spend limits ${money.budgetHoldsNano}`,
        money.heldNano === 0 && money.instanceHoldsNano === 0 && money.budgetHoldsNano === 0,
      ],
      [`ledger verify: ${money.mismatches.length} mismatches`, money.mismatches.length === 0],
    )
    lines.push(
      '## Exactness under load',
      '',
      ...checks.map(([text, ok]) => `- ${ok ? 'ok' : 'FAILED'}: ${text}`),
    )
    process.stdout.write(`${lines.join('\n')}\n`)
    if (checks.some(([, ok]) => !ok)) {
      process.stdout.write(`\n${JSON.stringify(money.mismatches.slice(0, 5))}\n`)
      process.exitCode = 1
    }
  } finally {
    await deployment.close()
  }
}

await main()

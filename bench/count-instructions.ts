/**
 * `npm run bench:instructions`: the gateway's machine instructions per request, counted by
 * valgrind's callgrind. Independent of whatever else a shared machine runs (requests per second
 * and even CPU time are not), so it is how to tell whether a change to the request path made it
 * cheaper. Runs agree within ~10 %: see the next paragraph. Slow: the gateway runs ~100× slower under valgrind, so a
 * run takes about three minutes (start ~1 min, warm-up, then the measured load).
 *
 * Under valgrind the gateway serves a few dozen requests per second, so the batched work
 * (settlements every 20 ms, request-log rows every second) is spread over far fewer requests
 * than at full load: the count overstates what batching amortizes, and moves with how many
 * requests a run served. Compare runs with each other (best with similar request counts), not
 * with CPU time from `npm run bench`.
 *
 * Options (env): BENCH_CONFIG (YAML lines appended to the gateway's config), BENCH_WARMUP_S
 * (default 40), BENCH_MEASURE_S (default 30), BENCH_CONNECTIONS (default 8).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, GATEWAY_ENV, GATEWAY_NODE_FLAGS, prepareSqliteGateway } from './bench-setup.ts'
import { generateLoad } from './load-generator.ts'

const ROOT = join(import.meta.dirname, '..')
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 40)
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 30)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8)

async function main(): Promise<void> {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
  } catch {
    throw new Error('valgrind is not installed (Debian: apt-get install valgrind)')
  }
  const directory = mkdtempSync(join(tmpdir(), 'onekey-instructions-'))
  const children: ChildProcess[] = []
  try {
    const [upstreamPort, gatewayPort] = [await freePort(), await freePort()]
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`
    children.push(
      spawn(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', 'bench/fast-upstream.ts', String(upstreamPort)],
        {
          cwd: ROOT,
          stdio: 'ignore',
        },
      ),
    )
    const { configPath, key } = await prepareSqliteGateway(directory, gatewayPort, upstreamUrl)
    const gateway = spawn(
      'valgrind',
      [
        '--tool=callgrind',
        `--callgrind-out-file=${join(directory, 'callgrind.out.%p')}`,
        '--smc-check=all', // V8 writes and rewrites machine code
        process.execPath,
        '--disable-warning=ExperimentalWarning',
        ...GATEWAY_NODE_FLAGS,
        'src/cli/onekey.ts',
        'serve',
        '--config',
        configPath,
      ],
      {
        cwd: ROOT,
        stdio: [
          'ignore',
          openSync(join(directory, 'gateway.log'), 'w'),
          openSync(join(directory, 'valgrind.log'), 'w'),
        ],
        env: { ...process.env, ...GATEWAY_ENV, BENCH_UPSTREAM_KEY: 'sk-bench-upstream' },
      },
    )
    children.push(gateway)
    const url = `http://127.0.0.1:${gatewayPort}`
    let up = false
    for (let attempt = 0; attempt < 300 && !up; attempt++) {
      up = await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      )
      if (!up) await sleep(1000)
    }
    if (!up) throw new Error('the gateway did not start under valgrind within 5 minutes')
    const load = (seconds: number) =>
      generateLoad({
        url: `${url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          model: 'bench-model',
          messages: [{ role: 'user', content: 'Say hello in a short sentence, please.' }],
          max_tokens: 64,
        }),
        connections: CONNECTIONS,
        durationMs: seconds * 1000,
      })
    await load(WARMUP_S) // JIT and caches settle
    execFileSync('callgrind_control', ['--zero', String(gateway.pid)], { stdio: 'ignore' })
    const measured = await load(MEASURE_S)
    execFileSync('callgrind_control', ['--dump', String(gateway.pid)], { stdio: 'ignore' })
    await sleep(1000)
    const dump = readdirSync(directory).find((name) => /^callgrind\.out\.\d+\.\d+$/.test(name))
    const totals = dump && /^totals:\s+(\d+)/m.exec(readFileSync(join(directory, dump), 'utf8'))
    if (!totals) throw new Error('callgrind wrote no dump')
    const instructions = Number(totals[1])
    console.log(
      `${measured.requests} requests (${measured.errors} errors), ${instructions} instructions: ` +
        `${Math.round(instructions / Math.max(measured.requests, 1))} per request`,
    )
  } finally {
    for (const child of children) child.kill('SIGKILL')
    await sleep(500)
    rmSync(directory, { recursive: true, force: true })
  }
}

await main()

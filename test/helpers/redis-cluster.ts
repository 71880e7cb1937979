/**
 * A real three-node Redis Cluster for the tests: three `redis-server --cluster-enabled yes`
 * children on free loopback ports, joined by `redis-cli --cluster create` (no replicas), ready
 * once every node reports `cluster_state:ok`. The helper kills only the processes it started,
 * on {@link RedisCluster.close} and when the test process exits.
 *
 * Without redis-server or redis-cli the suites skip with a message; under `CI=true` they are
 * mandatory and a missing binary fails the run.
 *
 * @module
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)
const IN_CI = process.env.CI === 'true' || process.env.CI === '1'
const HOST = '127.0.0.1'
/** A node's cluster bus listens on its port + 10000, which must be free too. */
const BUS_OFFSET = 10_000

export interface RedisCluster {
  /** Seed URLs of the three primaries (`redis://127.0.0.1:<port>`), for `redis.cluster_nodes`. */
  urls: string[]
  ports: number[]
  /** Kills one node at once (SIGKILL), as a crash would: its slots stay unserved (no replicas). */
  crash(port: number): Promise<void>
  /** Stops the three servers (SIGTERM, then SIGKILL) and removes their directory. */
  close(): Promise<void>
}

/** Resolves to `false` when redis-server and redis-cli can run, else a skip reason (CI: throws). */
export async function redisClusterSkipReason(): Promise<string | false> {
  const missing: string[] = []
  for (const binary of ['redis-server', 'redis-cli']) {
    try {
      await run(binary, ['--version'], { timeout: 5_000 })
    } catch (error) {
      missing.push(`${binary} (${(error as Error).message.split('\n')[0]})`)
    }
  }
  if (missing.length === 0) return false
  if (IN_CI) throw new Error(`CI=true requires ${missing.join(' and ')} for the Redis Cluster tests`)
  const reason = `cannot run ${missing.join(' and ')}; install Redis to run the Redis Cluster suite`
  console.warn(`# SKIP redis cluster suite: ${reason}`)
  return reason
}

/** Whether a port can be bound on loopback right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, HOST, () => server.close(() => resolve(true)))
  })
}

/** A port whose cluster bus port is free too (random in 20000–54999, bounded tries). */
async function freeNodePort(taken: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 35_000)
    if (taken.has(port) || taken.has(port + BUS_OFFSET) || taken.has(port - BUS_OFFSET)) continue
    if ((await isFree(port)) && (await isFree(port + BUS_OFFSET))) return port
  }
  throw new Error('no free port pair (port, port + 10000) for a Redis Cluster node after 100 tries')
}

/** Sends one inline command over a plain socket and resolves to the raw reply (bounded). */
function ask(port: number, command: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST)
    let reply = ''
    const timer = setTimeout(() => finish(), timeoutMs)
    function finish(): void {
      clearTimeout(timer)
      socket.destroy()
      resolve(reply)
    }
    socket.on('connect', () => socket.write(`${command}\r\n`))
    socket.on('data', (data) => {
      reply += data.toString()
      // A bulk reply is complete once its announced length has arrived; a status line at once.
      const bulk = /^\$(\d+)\r\n/.exec(reply)
      if (bulk === null ? reply.endsWith('\r\n') : reply.length >= bulk[0].length + Number(bulk[1]) + 2)
        finish()
    })
    socket.on('error', () => finish())
  })
}

/** Polls `check` every 50 ms until it holds or `timeoutMs` passes. */
async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    if (await check()) return
    await sleep(50)
  }
  throw new Error(`Redis Cluster: timed out waiting for ${what}`)
}

/** Starts three nodes, creates the cluster and waits until it serves every slot. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-redis-cluster-'))
  const children: ChildProcess[] = []
  const ports: number[] = []
  const byPort = new Map<number, ChildProcess>()
  const killAll = () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  process.once('exit', killAll)

  async function startNode(): Promise<void> {
    // A port found free may be taken before redis-server binds it: try again, a few times.
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freeNodePort(new Set(ports))
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          HOST,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(directory, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--dir',
          directory,
          '--logfile',
          join(directory, `redis-${port}.log`),
        ],
        { stdio: 'ignore' },
      )
      child.on('error', () => {})
      children.push(child)
      byPort.set(port, child)
      let ready = false
      for (let waited = 0; waited < 5_000 && child.exitCode === null && !ready; waited += 50) {
        ready = (await ask(port, 'PING')).startsWith('+PONG')
        if (!ready) await sleep(50)
      }
      if (ready) {
        ports.push(port)
        return
      }
      child.kill('SIGKILL')
    }
    throw new Error(`a Redis Cluster node would not start; see the logs in ${directory}`)
  }

  try {
    for (let node = 0; node < 3; node++) await startNode()
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `${HOST}:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    )
    await waitFor('cluster_state:ok on every node', 20_000, async () => {
      const states = await Promise.all(ports.map((port) => ask(port, 'CLUSTER INFO')))
      return states.every((state) => state.includes('cluster_state:ok'))
    })
  } catch (error) {
    killAll()
    process.removeListener('exit', killAll)
    const logs = ports.map((port) => {
      try {
        return readFileSync(join(directory, `redis-${port}.log`), 'utf8')
          .split('\n')
          .slice(-5)
          .join('\n')
      } catch {
        return ''
      }
    })
    rmSync(directory, { recursive: true, force: true })
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`)
  }

  return {
    urls: ports.map((port) => `redis://${HOST}:${port}`),
    ports,
    async crash(port) {
      const child = byPort.get(port)
      if (child === undefined) throw new Error(`no node of this cluster on port ${port}`)
      child.kill('SIGKILL')
      for (
        let waited = 0;
        waited < 5_000 && child.exitCode === null && child.signalCode === null;
        waited += 20
      )
        await sleep(20)
    },
    async close() {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      for (let waited = 0; waited < 5_000; waited += 50) {
        if (children.every((child) => child.exitCode !== null || child.signalCode !== null)) break
        await sleep(50)
      }
      killAll()
      process.removeListener('exit', killAll)
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

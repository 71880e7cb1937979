/**
 * CPU time of what a scale-out run involves (bench/three-instances.ts), from /proc: any process
 * by pid, the PostgreSQL backends serving given processes' connections (not the whole
 * server, which other clients share), and the Redis server (INFO cpu: the whole server).
 * Linux only (the bench machine).
 *
 * @module
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import pg from 'pg'

/** User + system CPU time of a process so far, in microseconds (0 when it is gone). */
export function cpuMicros(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return 0
  }
}

/**
 * The PostgreSQL backends serving `pids`' connections: their sockets' local ports (from
 * /proc/PID/fd and /proc/net/tcp) matched against pg_stat_activity's client ports.
 */
export async function postgresBackendPids(postgresUrl: string, pids: readonly number[]): Promise<number[]> {
  const inodes = new Set<string>()
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`)
        const match = /^socket:\[(\d+)\]$/.exec(target)
        if (match) inodes.add(match[1]!)
      } catch {
        // closed meanwhile
      }
    }
  }
  const postgresPort = Number(new URL(postgresUrl).port || 5432)
  const ports: number[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 10 || !inodes.has(fields[9]!)) continue
      if (Number.parseInt(fields[2]!.split(':')[1]!, 16) === postgresPort)
        ports.push(Number.parseInt(fields[1]!.split(':')[1]!, 16))
    }
  }
  if (ports.length === 0) return []
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  try {
    const rows = await client.query('select pid from pg_stat_activity where client_port = any($1::int[])', [
      ports,
    ])
    return rows.rows.map((row) => Number(row.pid))
  } finally {
    await client.end()
  }
}

/** The Redis server's own CPU time so far (INFO cpu), in microseconds: the whole server, every client's. */
export async function redisCpuMicros(redisUrl: string): Promise<number> {
  const { Redis } = await import('ioredis')
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    const info = await redis.info('cpu')
    const seconds = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0)
    return Math.round((seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1_000_000)
  } finally {
    redis.disconnect()
  }
}

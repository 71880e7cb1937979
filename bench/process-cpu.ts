/**
 * CPU time of processes from `/proc/<pid>/stat` (Linux): the gateway's, PostgreSQL's backends
 * and background processes, whatever else the bench charges a request with. Clock ticks of
 * 10 ms (`getconf CLK_TCK` = 100), so a window needs many requests to be exact.
 *
 * @module
 * @see https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks are 10 ms on the bench machine (USER_HZ = 100). */
const MICROSECONDS_PER_TICK = 10_000

/** What the bench reads from one /proc/PID/stat line. */
export interface ProcessStat {
  pid: number
  /** The executable's or thread's name (`comm`), at most 15 characters: `postgres`, `redis-server`. */
  comm: string
  ppid: number
  /** utime + stime (all the process's threads), in µs. */
  cpuUs: number
  /** cutime + cstime (children that exited and were waited for), in µs. */
  childrenCpuUs: number
}

/** Parses a /proc/PID/stat line; `comm` may itself hold ") ", so it ends at the last ")". */
export function parseProcStat(line: string): ProcessStat {
  const open = line.indexOf('(')
  const close = line.lastIndexOf(')')
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`)
  // After comm: state(0) ppid(1) pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(11) stime(12) cutime(13) cstime(14)
  const fields = line.slice(close + 2).split(' ')
  const ticks = (index: number) => Number(fields[index]) * MICROSECONDS_PER_TICK
  return {
    pid: Number(line.slice(0, open).trim()),
    comm: line.slice(open + 1, close),
    ppid: Number(fields[1]),
    cpuUs: ticks(11) + ticks(12),
    childrenCpuUs: ticks(13) + ticks(14),
  }
}

/** A process's stat, or undefined when it is gone. */
export function readProcessStat(pid: number): ProcessStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return undefined
  }
}

/** A process's user + system CPU time so far, in µs (NaN when unknown or gone). */
export function processCpuUs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  return readProcessStat(pid)?.cpuUs ?? Number.NaN
}

/** CPU time of a set of processes at one moment: pid → µs. */
export type CpuSample = ReadonlyMap<number, number>

/** Samples the CPU time of `pids` now (processes already gone are left out). */
export function sampleCpu(pids: Iterable<number>): CpuSample {
  const sample = new Map<number, number>()
  for (const pid of pids) {
    const stat = readProcessStat(pid)
    if (stat !== undefined) sample.set(pid, stat.cpuUs)
  }
  return sample
}

/**
 * CPU used between two samples (`pid → µs`): a process only in `after` started meanwhile and
 * counts whole; one only in `before` exited and its last stretch is lost (counted in `lost`).
 */
export function cpuBetween(before: CpuSample, after: CpuSample): { cpuUs: number; lost: number } {
  let cpuUs = 0
  let lost = 0
  for (const [pid, used] of after) cpuUs += used - (before.get(pid) ?? 0)
  for (const pid of before.keys()) if (!after.has(pid)) lost++
  return { cpuUs, lost }
}

/**
 * CPU time of a process's threads so far, summed by thread name (µs): `MainThread` (Node's
 * main thread: JavaScript, the event loop), `V8 DefaultWorke` (V8's helpers: concurrent
 * marking, parallel scavenges, compilation), `libuv-worker` (the thread pool), a worker
 * thread's own name…. Threads that ended are not counted. Empty when the process is gone.
 */
export function threadCpuByName(pid: number): Map<string, number> {
  const byName = new Map<string, number>()
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return byName
  }
  for (const task of tasks) {
    try {
      const stat = parseProcStat(readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8'))
      byName.set(stat.comm, (byName.get(stat.comm) ?? 0) + stat.cpuUs)
    } catch {
      // the thread ended meanwhile
    }
  }
  return byName
}

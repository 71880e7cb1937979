import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import {
  cpuBetween,
  parseProcStat,
  processCpuUs,
  readProcessStat,
  sampleCpu,
  threadCpuByName,
} from './process-cpu.ts'

/** Spins the main thread until it has used 100 ms of CPU (the machine may be busy; 20 s at most). */
function spin(): void {
  const start = process.cpuUsage()
  const deadline = performance.now() + 20_000
  while (performance.now() < deadline) {
    const used = process.cpuUsage(start)
    if (used.user + used.system >= 100_000) return
  }
}

test('a /proc stat line gives comm, ppid and CPU in µs, even with ") " inside comm', () => {
  const line =
    '2201 (postgres: 15/main) S 1 2201 2201 0 -1 4194560 1897 57731 0 0 12 34 56 78 20 0 1 0 1226 223 4 18446744073709551615'
  assert.deepEqual(parseProcStat(line), {
    pid: 2201,
    comm: 'postgres: 15/main',
    ppid: 1,
    cpuUs: (12 + 34) * 10_000,
    childrenCpuUs: (56 + 78) * 10_000,
  })
  assert.equal(parseProcStat('7 (a) b) R 3 7 7 0 -1 0 0 0 0 0 1 2 3 4 20').comm, 'a) b')
  assert.throws(() => parseProcStat('no parentheses here'))
})

test('this process reads as itself, and its CPU time grows while it works', () => {
  const own = readProcessStat(process.pid)
  assert.equal(own?.comm, readFileSync('/proc/self/comm', 'utf8').trim())
  assert.equal(own?.ppid, process.ppid)
  const before = processCpuUs(process.pid)
  spin()
  assert.ok(processCpuUs(process.pid) - before >= 50_000)
  assert.ok(Number.isNaN(processCpuUs(undefined)))
})

test('CPU between samples: new processes count whole, exited ones are counted as lost', () => {
  const before = new Map([
    [1, 100],
    [2, 200],
  ])
  const after = new Map([
    [1, 150],
    [3, 40],
  ])
  assert.deepEqual(cpuBetween(before, after), { cpuUs: 50 + 40, lost: 1 })
})

test('a sample holds the running processes only', () => {
  const sample = sampleCpu([process.pid, 2 ** 22 + 1])
  assert.deepEqual([...sample.keys()], [process.pid])
})

test('CPU by thread name: the main thread holds what this process spins', () => {
  const before = threadCpuByName(process.pid)
  spin()
  const after = threadCpuByName(process.pid)
  const main = readFileSync('/proc/self/comm', 'utf8').trim()
  assert.ok((after.get(main) ?? 0) - (before.get(main) ?? 0) >= 50_000)
  assert.ok([...after.values()].reduce((sum, value) => sum + value, 0) <= processCpuUs(process.pid) + 20_000)
  assert.equal(threadCpuByName(2 ** 22 + 1).size, 0)
})

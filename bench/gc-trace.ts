/**
 * Reads a process's `--trace-gc` lines: how much it allocated and how long its collections paused
 * it within a time window. Allocation per request is far steadier than CPU time on a shared
 * machine (the same code reads the same within ~1 %), so it tells whether a change made the
 * request path allocate less even when requests per second are lost in the noise.
 *
 * @module
 * @see https://v8.dev/blog/trash-talk (what a scavenge and a mark-compact are)
 */

/**
 * One `--trace-gc` line: `[pid:0x…]  1234 ms: Scavenge 10.1 (12.0) -> 8.2 (12.5) MB, pooled: 0 MB, 1.43 / 0.00 ms …`
 * (a full collection the memory reducer started reads `Mark-Compact (reduce) 5.7 (9.8) -> …`).
 * `0x…` is the isolate: a worker thread (the SQLite checkpointer) has its own heap, collections
 * and clock (ms since the worker started), so its lines are told apart from the main thread's.
 */
const GC_LINE =
  /^\[\d+:(0x[\da-f]+)\]\s+(\d+) ms: (Scavenge|Mark-Compact|Minor Mark-Sweep)\S*(?: \([a-z ]+\))? ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, pooled: [\d.]+ MB, ([\d.]+)/

export interface GcWindow {
  /** Heap growth between collections, summed: what the main thread allocated in the window (MB). */
  allocatedMb: number
  /** Main-thread pauses of the collections in the window (ms). */
  pauseMs: number
  /** Young-generation collections in the window (scavenges, minor mark-sweeps). */
  minorGcs: number
  /** Full collections in the window (mark-compacts: the old generation). */
  majorGcs: number
}

interface GcLine {
  isolate: string
  atMs: number
  kind: string
  beforeMb: number
  afterMb: number
  pauseMs: number
}

function gcLines(trace: string): GcLine[] {
  const lines: GcLine[] = []
  for (const line of trace.split('\n')) {
    const match = GC_LINE.exec(line)
    if (match === null) continue
    lines.push({
      isolate: match[1]!,
      atMs: Number(match[2]),
      kind: match[3]!,
      beforeMb: Number(match[4]),
      afterMb: Number(match[5]),
      pauseMs: Number(match[6]),
    })
  }
  return lines
}

/**
 * Allocation and pauses of the main thread's isolate (the one with the most collections) between
 * `fromMs` and `toMs` (milliseconds since the process started, the clock of its trace lines).
 * The allocation between two collections is the heap before the second minus the heap after the
 * first.
 */
export function gcWindow(trace: string, fromMs: number, toMs: number): GcWindow {
  const lines = gcLines(trace)
  const counts = new Map<string, number>()
  for (const line of lines) counts.set(line.isolate, (counts.get(line.isolate) ?? 0) + 1)
  const main = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0]
  const window: GcWindow = { allocatedMb: 0, pauseMs: 0, minorGcs: 0, majorGcs: 0 }
  let heapAfter: number | undefined
  for (const line of lines) {
    if (line.isolate !== main) continue
    if (line.atMs > toMs) break
    if (line.atMs >= fromMs && heapAfter !== undefined) {
      window.allocatedMb += line.beforeMb - heapAfter
      window.pauseMs += line.pauseMs
      if (line.kind === 'Mark-Compact') window.majorGcs++
      else window.minorGcs++
    }
    heapAfter = line.afterMb
  }
  return window
}

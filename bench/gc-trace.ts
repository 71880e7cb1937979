/**
 * Reads a process's `--trace-gc` lines: how much it allocated and how long its collections paused
 * it within a time window. Allocation per request is far steadier than CPU time on a shared
 * machine (the same code reads the same within ~1 %), so it tells whether a change made the
 * request path allocate less even when requests per second are lost in the noise.
 *
 * @module
 * @see https://v8.dev/blog/trash-talk (what a scavenge and a mark-compact are)
 */

/** One `--trace-gc` line: `[pid:0x…]  1234 ms: Scavenge 10.1 (12.0) -> 8.2 (12.5) MB, pooled: 0 MB, 1.43 / 0.00 ms …`. */
const GC_LINE =
  /\s(\d+) ms: (Scavenge|Mark-Compact|Minor Mark-Sweep)\S* ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, pooled: [\d.]+ MB, ([\d.]+)/

export interface GcWindow {
  /** Heap growth between collections, summed: what the process allocated in the window (MB). */
  allocatedMb: number
  /** Main-thread pauses of the collections in the window (ms). */
  pauseMs: number
  /** Young-generation collections in the window (scavenges, minor mark-sweeps). */
  minorGcs: number
  /** Full collections in the window (mark-compacts: the old generation). */
  majorGcs: number
}

/**
 * Allocation and pauses between `fromMs` and `toMs` (milliseconds since the process started, the
 * clock of the trace lines). The allocation between two collections is the heap before the second
 * minus the heap after the first.
 */
export function gcWindow(trace: string, fromMs: number, toMs: number): GcWindow {
  let allocatedMb = 0
  let pauseMs = 0
  let minorGcs = 0
  let majorGcs = 0
  let heapAfter: number | undefined
  for (const line of trace.split('\n')) {
    const match = GC_LINE.exec(line)
    if (match === null) continue
    const atMs = Number(match[1])
    if (atMs > toMs) break
    if (atMs >= fromMs && heapAfter !== undefined) {
      allocatedMb += Number(match[3]) - heapAfter
      pauseMs += Number(match[5])
      if (match[2] === 'Mark-Compact') majorGcs++
      else minorGcs++
    }
    heapAfter = Number(match[4])
  }
  return { allocatedMb, pauseMs, minorGcs, majorGcs }
}

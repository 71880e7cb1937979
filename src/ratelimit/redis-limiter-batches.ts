/**
 * Coalesces the shared limiter's admissions and finishes into as few script calls as the load
 * allows (natural batching): what arrives while a call is on its way is sent, in arrival order,
 * as the next call's entries; the script takes them in that order, exactly as if each had been a
 * call of its own. An idle gateway sends each request's admission alone (one event-loop turn
 * later); a busy one sends one call for many requests, so the gateway's CPU per request, the
 * commands Redis runs and the syscalls both sides make all fall as the load rises.
 *
 * On a Redis Cluster a call may only touch one slot, so each group (the `{…}` hash tag every key
 * of a request shares) has a queue of its own; a standalone Redis takes every group in one call.
 *
 * @module
 */
import type { BatchAdmission, ConsumeResult, SlotCheck, WindowCheck } from './rate-limiter.ts'

/** Entries in one script call at most; more wait for the next (or go in parallel, below). */
const MAX_ENTRIES_PER_CALL = 256
/** Calls of one queue on their way at once: a second one goes only when a full batch is waiting. */
const MAX_CALLS_IN_FLIGHT = 4

/** One request's admission or finish, as the batch script reads it. */
interface Entry {
  kind: 'a' | 'f'
  keys: readonly string[]
  windows: number
  slots: number
  args: readonly (string | number)[]
  /** Settles the caller's promise with the entry's reply (admissions) or with nothing (finishes). */
  settle(reply: number[] | undefined, error?: unknown): void
}

interface Queue {
  entries: Entry[]
  inFlight: number
  scheduled: boolean
}

/** Runs the batch script: KEYS then ARGV (entry count, then each entry's kind, counts and arguments). */
export type SendBatch = (keys: string[], args: (string | number)[]) => Promise<number[][]>

/** The coalescing queue's operations: the {@link BatchRateLimiter}'s, over keys already made Redis keys. */
export interface CoalescedBatches {
  admit(
    keys: readonly string[],
    windows: readonly WindowCheck[],
    slots: readonly SlotCheck[],
    leaseIds: readonly string[],
  ): Promise<BatchAdmission>
  finish(keys: readonly string[], refunds: readonly WindowCheck[], leaseIds: readonly string[]): Promise<void>
}

/**
 * A coalescing queue in front of `send`. `groupOf` names the queue an entry's keys belong to
 * (one per cluster slot group; one for a standalone Redis).
 */
export function coalescedBatches(send: SendBatch, groupOf: (firstKey: string) => string): CoalescedBatches {
  const queues = new Map<string, Queue>()

  function enqueue(entry: Entry): void {
    const group = groupOf(entry.keys[0]!)
    let queue = queues.get(group)
    if (queue === undefined) {
      queue = { entries: [], inFlight: 0, scheduled: false }
      queues.set(group, queue)
    }
    queue.entries.push(entry)
    if (queue.inFlight === 0 && !queue.scheduled) {
      // Gather what else this turn of the event loop brings (other sockets' requests).
      queue.scheduled = true
      setImmediate(flush, group, queue)
    } else if (queue.entries.length >= MAX_ENTRIES_PER_CALL) flush(group, queue)
  }

  function flush(group: string, queue: Queue): void {
    queue.scheduled = false
    while (
      queue.entries.length > 0 &&
      (queue.inFlight === 0 ||
        (queue.inFlight < MAX_CALLS_IN_FLIGHT && queue.entries.length >= MAX_ENTRIES_PER_CALL))
    ) {
      sendEntries(group, queue, queue.entries.splice(0, MAX_ENTRIES_PER_CALL))
    }
    if (queue.entries.length === 0 && queue.inFlight === 0) queues.delete(group)
  }

  function sendEntries(group: string, queue: Queue, entries: Entry[]): void {
    const keys: string[] = []
    const args: (string | number)[] = [entries.length]
    for (const entry of entries) {
      for (const key of entry.keys) keys.push(key)
      args.push(entry.kind, entry.windows, entry.slots)
      for (const arg of entry.args) args.push(arg)
    }
    queue.inFlight++
    send(keys, args).then(
      (replies) => {
        let next = 0
        for (const entry of entries) entry.settle(entry.kind === 'a' ? replies[next++] : undefined)
        done()
      },
      (error: unknown) => {
        for (const entry of entries) entry.settle(undefined, error)
        done()
      },
    )
    function done(): void {
      queue.inFlight--
      flush(group, queue)
    }
  }

  return {
    admit(keys, windows, slots, leaseIds) {
      const args: (string | number)[] = []
      for (const check of windows) args.push(check.cost, check.rule.limit, check.rule.windowMs)
      for (const [index, check] of slots.entries()) args.push(check.limit, check.leaseMs, leaseIds[index]!)
      return new Promise((resolve, reject) => {
        enqueue({
          kind: 'a',
          keys,
          windows: windows.length,
          slots: slots.length,
          args,
          settle(reply, error) {
            if (reply === undefined) reject(error ?? new Error('the limiter script gave no reply'))
            else resolve(admissionOf(reply, windows.length, slots.length, leaseIds))
          },
        })
      })
    },
    finish(keys, refunds, leaseIds) {
      const args: (string | number)[] = []
      for (const check of refunds) args.push(check.cost, check.rule.windowMs)
      for (const leaseId of leaseIds) args.push(leaseId)
      return new Promise((resolve, reject) => {
        enqueue({
          kind: 'f',
          keys,
          windows: refunds.length,
          slots: leaseIds.length,
          args,
          settle(_, error) {
            if (error === undefined) resolve()
            else reject(error)
          },
        })
      })
    },
  }
}

/** Reads one admission's reply (the layout is the batch script's: redis-limiter-scripts.ts). */
function admissionOf(
  reply: number[],
  windowCount: number,
  slotCount: number,
  leaseIds: readonly string[],
): BatchAdmission {
  const [allowed, kind, index, nowMs] = reply as [number, number, number, number]
  const windowResult = (offset: number): ConsumeResult => ({
    allowed: true,
    remaining: reply[offset]!,
    resetAtMs: reply[offset + 1]!,
    retryAfterMs: 0,
  })
  if (allowed === 1) {
    return {
      allowed: true,
      windows: Array.from({ length: windowCount }, (_, position) => windowResult(4 + position * 2)),
      slots: Array.from({ length: slotCount }, (_, position) => ({
        allowed: true,
        leaseId: leaseIds[position],
        inUse: reply[4 + windowCount * 2 + position]!,
      })),
    }
  }
  const earlier = Array.from({ length: (reply.length - 6) / 2 }, (_, position) =>
    windowResult(6 + position * 2),
  )
  return {
    allowed: false,
    refused:
      kind === 1
        ? {
            kind: 'window',
            index: index - 1,
            result: {
              allowed: false,
              remaining: reply[4]!,
              resetAtMs: reply[5]!,
              retryAfterMs: reply[5]! - nowMs,
            },
          }
        : {
            kind: 'slot',
            index: index - 1,
            result: { allowed: false, leaseId: undefined, inUse: reply[4]! },
          },
    windows: earlier,
  }
}

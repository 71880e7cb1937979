/**
 * Groups calls made while a batch is in flight into the next batch: one database transaction
 * serves every reservation (or settlement) that arrived meanwhile. With one request at a time a
 * batch is one call (no added wait); under load the per-call cost of a transaction is shared.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export interface Batcher<Input, Output> {
  run(input: Input): Promise<Output>
  /** Resolves when everything queued so far has run. */
  drain(): Promise<void>
  /** Calls not finished yet: queued, or in the batch running now. */
  readonly pending: number
}

export function createBatcher<Input, Output>(
  execute: (inputs: Input[]) => Promise<Output[]>,
  options: {
    maxBatch?: number
    /** Wait this long for company before running (work whose latency nobody waits on). */
    delayMs?: number
  } = {},
): Batcher<Input, Output> {
  const maxBatch = options.maxBatch ?? 256
  const delayMs = options.delayMs ?? 0
  let queue: {
    input: Input
    resolve: (output: Output) => void
    reject: (error: unknown) => void
  }[] = []
  /**
   * The async context of the call that found the queue empty: the batches cut from this queue
   * run in it (the request they serve first). Taken once per queue, not per call: a snapshot
   * per call allocated ~1.7 KB per request.
   */
  let queueContext: (<R>(work: () => R) => R) | undefined
  let running: Promise<void> | undefined
  let executing = 0

  async function loop(): Promise<void> {
    // At least until the next turn of the event loop: SQLite work completes in microtasks, so
    // without this no request that arrived meanwhile could join (every batch would be one call).
    if (delayMs > 0 && queue.length < maxBatch) await new Promise((resolve) => setTimeout(resolve, delayMs))
    else await new Promise((resolve) => setImmediate(resolve))
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch)
      queue = queue.slice(batch.length)
      executing = batch.length
      try {
        const inputs = batch.map((item) => item.input)
        const context = queueContext ?? ((work) => work())
        if (queue.length === 0) queueContext = undefined
        const outputs = await context(() => execute(inputs))
        for (const [index, item] of batch.entries()) item.resolve(outputs[index]!)
      } catch (error) {
        for (const item of batch) item.reject(error)
      } finally {
        executing = 0
      }
    }
    running = undefined
  }

  return {
    run(input) {
      return new Promise<Output>((resolve, reject) => {
        if (queue.length === 0) queueContext = AsyncLocalStorage.snapshot()
        queue.push({ input, resolve, reject })
        running ??= loop()
      })
    },
    async drain() {
      while (running !== undefined) await running
    },
    get pending() {
      return queue.length + executing
    },
  }
}

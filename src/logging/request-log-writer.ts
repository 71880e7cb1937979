/**
 * Request-log rows written in batches off the request path: rows collect in memory and go to
 * storage every `flushIntervalMs` (or at once when the batch is full), in one multi-row insert;
 * `close()` writes what is left, so a graceful shutdown loses nothing. Reads of a row not yet
 * written are answered from the buffer. Old rows are deleted in bounded batches (retention).
 *
 * @module
 */
import type { RequestLogRecord, RequestLogRepository } from '../storage/store.ts'

export interface RequestLogWriter {
  add(record: RequestLogRecord): void
  /**
   * A row that its settlement writes (`settled` resolves to what was charged once committed, to
   * undefined if it failed). A read of it waits for that; if it failed the row is written the
   * ordinary way.
   */
  addCharged(record: RequestLogRecord, settled: Promise<number | undefined>): void
  /** A row by generation ID, from the buffer or storage, within one workspace. */
  find(workspaceId: string, id: string): Promise<RequestLogRecord | undefined>
  flush(): Promise<void>
  close(): Promise<void>
}

export interface RequestLogWriterOptions {
  repository: RequestLogRepository
  /** Resolves when the settlements queued so far are committed (their rows are then stored). */
  flushSettlements?: () => Promise<void>
  flushIntervalMs: number
  /** 0 keeps rows forever. */
  retentionDays: number
  onError: (error: unknown) => void
  maxBatch?: number
  /** Rows held while storage is failing; beyond this the oldest are dropped (and reported). */
  maxBuffered?: number
}

const RETENTION_EVERY_MS = 3_600_000

export function createRequestLogWriter(options: RequestLogWriterOptions): RequestLogWriter {
  const maxBatch = options.maxBatch ?? 500
  const maxBuffered = options.maxBuffered ?? 50_000
  let buffer: RequestLogRecord[] = []
  let flushing: Promise<void> | undefined
  /** Rows waiting on their settlement, by generation ID. */
  const charged = new Map<string, { record: RequestLogRecord; settled: Promise<number | undefined> }>()

  async function writeOut(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, maxBatch)
      try {
        await options.repository.insertMany(batch)
      } catch (error) {
        options.onError(error)
        return
      }
      buffer = buffer.slice(batch.length)
    }
  }

  function flushBuffer(): Promise<void> {
    flushing ??= writeOut().finally(() => {
      flushing = undefined
    })
    return flushing
  }

  async function flush(): Promise<void> {
    await options.flushSettlements?.()
    await flushBuffer()
  }

  function add(record: RequestLogRecord): void {
    buffer.push(record)
    if (buffer.length > maxBuffered) {
      buffer.splice(0, buffer.length - maxBuffered)
      options.onError(new Error(`request log buffer full: dropped rows beyond ${maxBuffered}`))
    }
    if (buffer.length >= maxBatch) void flushBuffer()
  }

  const timer = setInterval(() => void flushBuffer(), options.flushIntervalMs)
  timer.unref()
  const maintain = async () => {
    try {
      await options.repository.maintain(new Date(), options.retentionDays)
    } catch (error) {
      options.onError(error)
    }
  }
  // At start (so today's partition exists before the first row) and hourly.
  const started = maintain()
  const retentionTimer = setInterval(() => void maintain(), RETENTION_EVERY_MS)
  retentionTimer.unref()

  return {
    add,
    addCharged(record, settled) {
      charged.set(record.id, { record, settled })
      void settled.then((chargedNano) => {
        charged.delete(record.id)
        if (chargedNano === undefined) add(record)
      })
    },
    async find(workspaceId, id) {
      // A row its settlement is about to write is read once written, with what was charged.
      const settling = charged.get(id)
      if (settling !== undefined && settling.record.workspaceId === workspaceId) await settling.settled
      const pending = buffer.find((record) => record.id === id && record.workspaceId === workspaceId)
      return pending ?? options.repository.find(workspaceId, id)
    },
    flush,
    async close() {
      clearInterval(timer)
      clearInterval(retentionTimer)
      await started
      await flush()
    },
  }
}

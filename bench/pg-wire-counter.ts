/**
 * Reads the frontend messages a client sends PostgreSQL (its wire protocol, version 3) to count
 * round trips, statements and transactions; with a counting relay (counting-relay.ts) between
 * the gateway and PostgreSQL, also the bytes each way. These counts do not depend on timing,
 * unlike CPU time on a shared machine.
 *
 * A round trip is a message that waits for the server's answer: a simple `Query` ('Q') or a
 * `Sync` ('S') ending an extended-protocol exchange (node-postgres sends Parse, Bind, Describe,
 * Execute, Sync for a query with parameters). A statement is a `Query` or an `Execute` ('E').
 * A transaction is a statement whose text starts with `BEGIN` or `START TRANSACTION`.
 *
 * @module
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { startCountingRelay } from './counting-relay.ts'

/** What the gateway sent PostgreSQL and received from it, summed over connections. */
export interface WireCounts {
  roundTrips: number
  statements: number
  transactions: number
  /** Gateway → PostgreSQL. */
  bytesToServer: number
  /** PostgreSQL → gateway. */
  bytesFromServer: number
}

export function emptyWireCounts(): WireCounts {
  return { roundTrips: 0, statements: 0, transactions: 0, bytesToServer: 0, bytesFromServer: 0 }
}

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const BEGIN = /^\s*(?:begin|start\s+transaction)\b/i

/** A statement's text shortened to tell statements apart in a report: spaces collapsed, 70 characters. */
export function statementKey(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 70)
}

/** The text of a NUL-terminated string at `start` of `data`, and where the next field starts. */
function cString(data: Buffer, start: number, end: number): { text: string; next: number } {
  const nul = data.indexOf(0, start)
  const stop = nul < 0 || nul > end ? end : nul
  return { text: data.toString('utf8', start, stop), next: stop + 1 }
}

/**
 * Follows one connection's frontend byte stream (chunks split anywhere) and adds what it sends to
 * `counts`. Only `Query` and `Parse` messages are held whole (their text tells a `BEGIN`); the
 * rest are skipped by their length.
 */
export function createFrontendCounter(
  counts: WireCounts,
  texts?: Map<string, number>,
): { push(chunk: Buffer): void } {
  let pending: Buffer | undefined
  let skip = 0
  // The startup message (and an SSL or GSS request before it) has no type byte.
  let untyped = true
  return {
    push(chunk: Buffer): void {
      const data = pending === undefined ? chunk : Buffer.concat([pending, chunk])
      pending = undefined
      let offset = 0
      while (offset < data.length) {
        if (skip > 0) {
          const step = Math.min(skip, data.length - offset)
          skip -= step
          offset += step
          continue
        }
        const left = data.length - offset
        if (untyped) {
          if (left < 8) break
          const length = data.readInt32BE(offset)
          const code = data.readInt32BE(offset + 4)
          untyped = code === SSL_REQUEST || code === GSSENC_REQUEST
          skip = length
          continue
        }
        if (left < 5) break
        const type = String.fromCharCode(data[offset]!)
        const total = 1 + data.readInt32BE(offset + 1)
        if (type === 'Q' || type === 'P') {
          if (left < total) break
          const end = offset + total
          let text: string
          if (type === 'Q') {
            text = cString(data, offset + 5, end).text
            counts.roundTrips++
            counts.statements++
          } else {
            text = cString(data, cString(data, offset + 5, end).next, end).text
          }
          if (BEGIN.test(text)) counts.transactions++
          if (texts !== undefined) {
            const key = statementKey(text)
            texts.set(key, (texts.get(key) ?? 0) + 1)
          }
        } else if (type === 'S') {
          counts.roundTrips++
        } else if (type === 'E') {
          counts.statements++
        }
        skip = total
      }
      if (offset < data.length) pending = Buffer.from(data.subarray(offset))
    },
  }
}

/** A running relay to PostgreSQL: point the gateway at `port`; `counts` grows as it talks. */
export interface WireCounter {
  port: number
  counts: WireCounts
  /** Statement text (statementKey) → how often it was sent: in a `Query`, or parsed (`Parse`). */
  texts: Map<string, number>
  close(): Promise<void>
}

/** A relay to PostgreSQL at `target` counting what its clients send (bytes in `counts` too). */
export async function startWireCounter(target: { host: string; port: number }): Promise<WireCounter> {
  const counts = emptyWireCounts()
  const texts = new Map<string, number>()
  const relay = await startCountingRelay(target, () => createFrontendCounter(counts, texts))
  return {
    port: relay.port,
    get counts() {
      counts.bytesToServer = relay.bytes.toServer
      counts.bytesFromServer = relay.bytes.fromServer
      return counts
    },
    texts,
    close: () => relay.close(),
  }
}

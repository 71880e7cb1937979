/**
 * Reads the commands a client sends Redis (RESP: each command an array of bulk strings) and
 * counts them by name. Redis's own `INFO commandstats` also counts the commands a script runs
 * inside the server; this counts what the gateway sent, each command one answer back (several
 * may share one network round trip when the client pipelines them).
 *
 * @module
 * @see https://redis.io/docs/latest/develop/reference/protocol-spec/
 */
import { type CountingRelay, startCountingRelay } from './counting-relay.ts'

/** Commands a client sent: name (lower case) → count. */
export type SentCommands = Map<string, number>

const CRLF = Buffer.from('\r\n')

/**
 * Follows one connection's client byte stream (chunks split anywhere) and adds each command to
 * `sent`. Arguments after the command's name are skipped by their length; inline commands (a
 * plain line, as `redis-cli` may send) count by their first word.
 */
export function createCommandCounter(sent: SentCommands): { push(chunk: Buffer): void } {
  let pending: Buffer | undefined
  let argumentsLeft = 0
  /** Bytes of the current argument's body still to skip (CRLF included), or to read for the name. */
  let bodyLeft = -1
  let nameLength = -1
  const count = (name: string) => {
    const key = name.toLowerCase()
    sent.set(key, (sent.get(key) ?? 0) + 1)
  }
  return {
    push(chunk: Buffer): void {
      const data = pending === undefined ? chunk : Buffer.concat([pending, chunk])
      pending = undefined
      let offset = 0
      while (offset < data.length) {
        if (bodyLeft >= 0) {
          if (nameLength >= 0) {
            // The command's name: read it whole.
            if (data.length - offset < nameLength + 2) break
            count(data.toString('latin1', offset, offset + nameLength))
            offset += nameLength + 2
            nameLength = -1
            bodyLeft = -1
            continue
          }
          const step = Math.min(bodyLeft, data.length - offset)
          bodyLeft -= step
          offset += step
          if (bodyLeft === 0) bodyLeft = -1
          continue
        }
        const lineEnd = data.indexOf(CRLF, offset)
        if (lineEnd < 0) break
        const line = data.toString('latin1', offset, lineEnd)
        offset = lineEnd + 2
        if (argumentsLeft === 0) {
          if (line.startsWith('*')) {
            argumentsLeft = Number(line.slice(1))
            // The first bulk string is the name.
            if (argumentsLeft > 0) nameLength = -2
          } else if (line.trim() !== '') {
            count(line.trim().split(/\s+/)[0]!)
          }
          continue
        }
        // A bulk string's header: $<length>
        const length = Number(line.slice(1))
        argumentsLeft--
        if (nameLength === -2) {
          nameLength = length
          bodyLeft = 0
        } else {
          bodyLeft = length + 2
        }
      }
      if (offset < data.length) pending = Buffer.from(data.subarray(offset))
    },
  }
}

/** A running relay to Redis: point the gateway at `port`; `sent` grows as it talks. */
export interface CommandCounter {
  port: number
  sent: SentCommands
  relay: CountingRelay
  close(): Promise<void>
}

/** A relay to Redis at `target` counting the commands its clients send. */
export async function startCommandCounter(target: { host: string; port: number }): Promise<CommandCounter> {
  const sent: SentCommands = new Map()
  const relay = await startCountingRelay(target, () => createCommandCounter(sent))
  return { port: relay.port, sent, relay, close: () => relay.close() }
}

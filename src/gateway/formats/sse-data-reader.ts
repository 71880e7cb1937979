/**
 * Reads the `data` of whole SSE events from the relay's output (bytes or text), for client
 * formats that re-encode chat chunks. Stateful: an event split across calls is kept whole.
 *
 * @module
 */
import { createSseDecoder } from '../../streaming/sse-decoder.ts'

export interface SseDataReader {
  read(events: Uint8Array | string): string[]
}

export function createSseDataReader(): SseDataReader {
  const decoder = createSseDecoder()
  return {
    read(events) {
      const bytes = typeof events === 'string' ? Buffer.from(events) : events
      return decoder.push(bytes).map((event) => event.data)
    },
  }
}

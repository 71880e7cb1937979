/**
 * What the strict fake provider servers share: the handle tests get, a loopback listener, and
 * the "invalid request" check whose message the fake sends back (and records in `rejections`).
 *
 * @module
 */
import { once } from 'node:events'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Starts `server` on 127.0.0.1 at a free port; `close()` also ends open connections. */
export async function listenOnLoopback(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export interface FakeProviderServer {
  url: string
  calls: { path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }[]
  /** Requests refused as invalid, with the reason (tests assert this stays empty). */
  rejections: string[]
  close(): Promise<void>
}

/** A request the real API would refuse; the message says why. */
export class Invalid extends Error {}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Invalid(message)
}

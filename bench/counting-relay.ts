/**
 * A TCP relay on 127.0.0.1 that forwards every byte unchanged both ways and hands what the
 * client sends to a per-connection counter (a wire-protocol reader: pg-wire-counter.ts,
 * redis-wire-counter.ts). The bench points a gateway at it to count what the gateway asks a
 * service for, independent of timing. Costs the bench process (the load generator's) a little
 * CPU and each round trip tens of µs of latency; not the gateway's CPU.
 *
 * @module
 */
import { connect, createServer, type Socket } from 'node:net'

/** Bytes through a relay, summed over its connections. */
export interface RelayBytes {
  /** Client (the gateway) → service. */
  toServer: number
  /** Service → client. */
  fromServer: number
}

/** A running relay: connect to `port` instead of the service. */
export interface CountingRelay {
  port: number
  bytes: RelayBytes
  close(): Promise<void>
}

/** Starts a relay to `target`; `counter()` makes the reader of one new connection's client bytes. */
export async function startCountingRelay(
  target: { host: string; port: number },
  counter: () => { push(chunk: Buffer): void },
): Promise<CountingRelay> {
  const bytes: RelayBytes = { toServer: 0, fromServer: 0 }
  const sockets = new Set<Socket>()
  const relay = createServer((client) => {
    const server = connect(target.port, target.host)
    sockets.add(client).add(server)
    const reader = counter()
    client.setNoDelay(true)
    server.setNoDelay(true)
    client.on('data', (chunk: Buffer) => {
      bytes.toServer += chunk.length
      reader.push(chunk)
    })
    server.on('data', (chunk: Buffer) => {
      bytes.fromServer += chunk.length
    })
    client.pipe(server)
    server.pipe(client)
    const finish = () => {
      client.destroy()
      server.destroy()
      sockets.delete(client)
      sockets.delete(server)
    }
    client.on('error', finish).on('close', finish)
    server.on('error', finish).on('close', finish)
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  return {
    port: (relay.address() as { port: number }).port,
    bytes,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => relay.close(resolve))
    },
  }
}

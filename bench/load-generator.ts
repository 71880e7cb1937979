/**
 * A closed-loop load generator: `connections` workers, each sending the next request as soon as
 * the previous answer has been read to its end, over one keep-alive undici Pool. Latency is
 * measured per request with `performance.now()` (sub-millisecond; autocannon's histogram
 * rounds to whole milliseconds, too coarse for a 0.15 ms budget). Bytes each way are the
 * sockets' own counts (HTTP headers included).
 */
import type { Socket } from 'node:net'
import { buildConnector, Pool } from 'undici'

export interface LoadOptions {
  url: string
  headers: Record<string, string>
  body: string
  connections: number
  durationMs: number
}

export interface LoadResult {
  requests: number
  rps: number
  meanMs: number
  p50Ms: number
  p99Ms: number
  errors: number
  /** Bytes sent to the server and received from it over the run's sockets (headers included). */
  bytesSent: number
  bytesReceived: number
}

export async function generateLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url)
  const sockets: Socket[] = []
  const connector = buildConnector({})
  const pool = new Pool(url.origin, {
    connections: options.connections,
    pipelining: 1,
    connect: (connectOptions, callback) =>
      connector(connectOptions, (...args) => {
        if (args[1] !== null) sockets.push(args[1] as Socket)
        callback(...args)
      }),
  })
  const latencies: number[] = []
  let errors = 0
  const started = performance.now()
  const deadline = started + options.durationMs
  async function worker(): Promise<void> {
    while (performance.now() < deadline) {
      const sent = performance.now()
      try {
        const response = await pool.request({
          path: url.pathname,
          method: 'POST',
          headers: options.headers,
          body: options.body,
        })
        for await (const _chunk of response.body) {
          // read to the end: a stream counts when its last byte has arrived
        }
        if (response.statusCode !== 200) errors++
        latencies.push(performance.now() - sent)
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: options.connections }, worker))
  const elapsedMs = performance.now() - started
  await pool.close()
  latencies.sort((a, b) => a - b)
  const percentile = (fraction: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? Number.NaN
  return {
    requests: latencies.length,
    rps: Math.round((latencies.length / elapsedMs) * 1000),
    meanMs: latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length),
    p50Ms: percentile(0.5),
    p99Ms: percentile(0.99),
    errors,
    bytesSent: sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0),
    bytesReceived: sockets.reduce((sum, socket) => sum + socket.bytesRead, 0),
  }
}

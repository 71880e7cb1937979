/**
 * A small HTTP load balancer for the scale-out load test: every request goes to the next
 * gateway in turn (round robin per request, not per connection, so a few keep-alive clients
 * still spread evenly), over a bounded keep-alive undici Pool per gateway; answers (JSON or
 * SSE) are piped back as they arrive. Loopback only, bounded (connections, body size,
 * timeouts). It counts what each gateway answered, by status: `GET /_balancer/stats`.
 *
 * In a process of its own: `node bench/round-robin-balancer.ts PORT ORIGIN [ORIGIN…]` prints
 * `{"listening":PORT}`. In a test: {@link startRoundRobinBalancer}.
 *
 * @module
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { Pool } from 'undici'

/** Where the balancer reports what each gateway answered. */
export const BALANCER_STATS_PATH = '/_balancer/stats'

/** What one gateway answered through the balancer: its origin and the count per HTTP status. */
export interface BackendStats {
  origin: string
  requests: number
  statuses: Record<string, number>
}

export interface RoundRobinBalancer {
  url: string
  stats(): BackendStats[]
  close(): Promise<void>
}

export interface BalancerOptions {
  /** Gateways' origins, e.g. `http://127.0.0.1:8081`; loopback only. */
  backends: readonly string[]
  /** 0: any free port. */
  port?: number
  /** Connections per gateway (default 64). */
  connectionsPerBackend?: number
  /** Largest request body forwarded (default 1 MiB; larger: 413). */
  maxBodyBytes?: number
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and the ones undici computes itself.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
])

function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const forwarded: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) forwarded[name] = value
  }
  return forwarded
}

function isLoopback(origin: string): boolean {
  const host = new URL(origin).hostname
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]'
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

/** Starts the balancer on 127.0.0.1 in front of `backends`. */
export async function startRoundRobinBalancer(options: BalancerOptions): Promise<RoundRobinBalancer> {
  if (options.backends.length === 0) throw new Error('at least one backend')
  for (const origin of options.backends) {
    if (!isLoopback(origin)) throw new Error(`loopback backends only: ${origin}`)
  }
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
  const pools = options.backends.map(
    (origin) =>
      new Pool(origin, {
        connections: options.connectionsPerBackend ?? 64,
        pipelining: 1,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      }),
  )
  const stats: BackendStats[] = options.backends.map((origin) => ({ origin, requests: 0, statuses: {} }))
  let next = 0

  async function forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method === 'GET' && request.url === BALANCER_STATS_PATH) {
      answer(response, 200, stats)
      return
    }
    const body = await readBody(request, maxBodyBytes)
    if (body === undefined) {
      answer(response, 413, {
        error: { message: 'request body too large for the balancer', type: 'balancer' },
      })
      return
    }
    const index = next
    next = (next + 1) % pools.length
    const backend = stats[index]!
    backend.requests++
    const upstream = await pools[index]!.request({
      method: (request.method ?? 'GET') as 'GET',
      path: request.url ?? '/',
      headers: forwardedHeaders(request.headers),
      body: body.length > 0 ? body : null,
    })
    const status = String(upstream.statusCode)
    backend.statuses[status] = (backend.statuses[status] ?? 0) + 1
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
    }
    response.writeHead(upstream.statusCode, headers)
    await pipeline(upstream.body, response)
  }

  const server = createServer(
    { keepAliveTimeout: 60_000, headersTimeout: 10_000, requestTimeout: 120_000 },
    (request, response) => {
      forward(request, response).catch(() => {
        if (!response.headersSent) {
          answer(response, 502, { error: { message: 'gateway unreachable', type: 'balancer' } })
        } else response.destroy()
      })
    },
  )
  server.maxConnections = 1_024
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => structuredClone(stats),
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await Promise.all(pools.map((pool) => pool.close()))
    },
  }
}

if (import.meta.main) {
  const [port, ...backends] = process.argv.slice(2)
  const balancer = await startRoundRobinBalancer({ port: Number(port ?? 0), backends })
  process.stdout.write(`${JSON.stringify({ listening: Number(new URL(balancer.url).port) })}\n`)
  process.on('SIGTERM', () => {
    balancer.close().finally(() => process.exit(0))
  })
}

/**
 * The gateway's HTTP listener: a `node:http` server on the configured address, which answers
 * requests it cannot parse with the OpenAI error envelope instead of dropping them.
 *
 * @module
 */
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { GatewayConfig } from '../config/config.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { chooseRequestId } from '../http/request-id.ts'

/** A listening server, its port, and its base URL (an IPv6 host in brackets). */
export interface ListeningServer {
  server: Server
  port: number
  /** e.g. `http://127.0.0.1:8787` */
  url: string
}

function rejectMalformedRequest(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy()
    return
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW'
  const body = JSON.stringify(
    tooLarge
      ? new GatewayError('request_too_large', 'Request headers are too large.', { status: 431 }).toBody()
      : new GatewayError('invalid_request', 'Malformed HTTP request.').toBody(),
  )
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${chooseRequestId(undefined)}\r\nconnection: close\r\n\r\n${body}`,
  )
}

/**
 * Creates the server for `handle` and resolves once it listens on `settings` (port, host,
 * backlog); rejects with the listen error (an address in use, say).
 */
export async function listenHttp(
  settings: GatewayConfig['server'],
  handle: RequestListener,
): Promise<ListeningServer> {
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 30_000 }, handle)
  server.on('clientError', rejectMalformedRequest)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: settings.port, host: settings.host, backlog: settings.backlog }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  return { server, port, url: `http://${host}:${port}` }
}

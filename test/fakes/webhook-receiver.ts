/**
 * A real webhook receiver on 127.0.0.1 for alert tests: it answers each call with the next
 * scripted step (a status, after an optional delay, or never), then 200, and records every
 * request's headers and exact body bytes.
 *
 * @module
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export type ReceiverStep = { status: number; delayMs?: number } | { hang: true }

export interface ReceivedCall {
  headers: IncomingHttpHeaders
  /** The raw body, exactly as sent (what the signature covers). */
  body: string
  atMs: number
}

export interface WebhookReceiver {
  /** e.g. http://127.0.0.1:PORT/hook */
  url: string
  calls: ReceivedCall[]
  /** Steps for the next calls, in order; after them every call gets 200. */
  script(...steps: ReceiverStep[]): void
  /** Resolves once `count` calls arrived, waiting up to `timeoutMs`. */
  waitForCalls(count: number, timeoutMs?: number): Promise<ReceivedCall[]>
  close(): Promise<void>
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const calls: ReceivedCall[] = []
  const steps: ReceiverStep[] = []
  const sockets = new Set<Socket>()
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      calls.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: Date.now() })
      const step = steps.shift() ?? { status: 200 }
      if ('hang' in step) return
      const answer = () => {
        response.writeHead(step.status, { 'content-type': 'text/plain' })
        response.end(step.status < 300 ? 'ok' : 'no')
      }
      if (step.delayMs === undefined) answer()
      else setTimeout(answer, step.delayMs)
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    calls,
    script(...next) {
      steps.push(...next)
    },
    async waitForCalls(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs
      while (calls.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} webhook calls, got ${calls.length}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return calls.slice(0, count)
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

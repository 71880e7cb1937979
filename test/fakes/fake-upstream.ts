/**
 * A fake OpenAI-format upstream: a real `node:http` server on 127.0.0.1:0 that plays one
 * scripted step per call (undici's retry-test model) and records every request it gets
 * (vercel/ai test-server's `calls`). No fetch is mocked anywhere.
 *
 * @module
 */
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export type FakeStep =
  /** 200 (or `status`) with a JSON body. */
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  /** Raw body text with a status, e.g. invalid JSON or an HTML error page. */
  | { kind: 'raw'; status?: number; body: string; contentType?: string }
  /** An SSE answer: each chunk written as is, `delayMs` apart; `cutAfter` destroys the socket after that many. */
  | {
      kind: 'stream'
      chunks: (string | Uint8Array)[]
      delayMs?: number
      cutAfter?: number
      waitFor?: Promise<void>
    }
  /** Accepts the request, then destroys the socket before any header. */
  | { kind: 'destroy' }
  /** Sends nothing for `ms`, then plays `step`. */
  | { kind: 'delay'; ms: number; step: FakeStep }

export interface RecordedCall {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  json: Record<string, unknown> | undefined
  receivedAtMs: number
  /** The gateway's source port: equal ports mean a reused keep-alive connection. */
  remotePort: number | undefined
  /** When the gateway closed the connection or the answer ended (performance.now()). */
  closedAtMs: number | undefined
}

export interface FakeUpstream {
  url: string
  /** Base URL as a provider config wants it: `${url}/v1`. */
  baseUrl: string
  calls: RecordedCall[]
  /** Steps for the next calls, in order; when they run out, `fallback` is played. */
  script(...steps: FakeStep[]): void
  /** Forgets unplayed steps and recorded calls. */
  reset(): void
  fallback: FakeStep
  close(): Promise<void>
}

export function chatCompletionBody(
  content = 'Hello!',
  model = 'fake-model',
  usage: Record<string, unknown> = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
): Record<string, unknown> {
  return {
    id: 'chatcmpl-fake-1',
    object: 'chat.completion',
    created: 1_790_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage,
    system_fingerprint: 'fp_fake',
  }
}

/** A realistic OpenAI stream transcript: role chunk, content chunks, finish chunk, usage, [DONE]. */
export function chatCompletionStreamChunks(
  pieces = ['Hel', 'lo', ' wörld 🙂'],
  includeUsage = true,
): string[] {
  const base = {
    id: 'chatcmpl-fake-2',
    object: 'chat.completion.chunk',
    created: 1_790_000_000,
    model: 'fake-model',
  }
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`
  return [
    chunk({ role: 'assistant', content: '' }, null),
    ...pieces.map((content) => chunk({ content }, null)),
    chunk({}, 'stop'),
    ...(includeUsage
      ? [
          `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })}\n\n`,
        ]
      : []),
    'data: [DONE]\n\n',
  ]
}

async function play(step: FakeStep, response: ServerResponse, signal: AbortSignal): Promise<void> {
  switch (step.kind) {
    case 'json': {
      if (step.delayMs) await sleep(step.delayMs, undefined, { signal })
      const body = JSON.stringify(step.body)
      response.writeHead(step.status ?? 200, { 'content-type': 'application/json', ...step.headers })
      response.end(body)
      return
    }
    case 'raw':
      response.writeHead(step.status ?? 200, { 'content-type': step.contentType ?? 'application/json' })
      response.end(step.body)
      return
    case 'stream': {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      for (let index = 0; index < step.chunks.length; index++) {
        if (step.cutAfter !== undefined && index >= step.cutAfter) {
          if (index > 0) await sleep(50, undefined, { signal }) // let what was written arrive before the reset
          response.socket?.destroy()
          return
        }
        if (response.destroyed) return
        if (!response.write(step.chunks[index])) await once(response, 'drain')
        if (index === 0 && step.waitFor) await step.waitFor
        if (step.delayMs) await sleep(step.delayMs, undefined, { signal })
      }
      response.end()
      return
    }
    case 'destroy':
      response.socket?.destroy()
      return
    case 'delay':
      await sleep(step.ms, undefined, { signal })
      if (!response.destroyed) await play(step.step, response, signal)
      return
  }
}

export async function startFakeUpstream(
  fallback: FakeStep = { kind: 'json', body: chatCompletionBody() },
): Promise<FakeUpstream> {
  const steps: FakeStep[] = []
  const closing = new AbortController()
  const calls: RecordedCall[] = []
  const fake: FakeUpstream = {
    url: '',
    baseUrl: '',
    calls,
    fallback,
    script: (...next) => {
      steps.push(...next)
    },
    reset: () => {
      steps.length = 0
      calls.length = 0
    },
    close: async () => {
      closing.abort()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    let json: Record<string, unknown> | undefined
    try {
      json = JSON.parse(body)
    } catch {}
    const call: RecordedCall = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body,
      json,
      receivedAtMs: performance.now(),
      remotePort: request.socket.remotePort,
      closedAtMs: undefined,
    }
    calls.push(call)
    response.on('close', () => {
      call.closedAtMs = performance.now()
    })
    await play(steps.shift() ?? fake.fallback, response, closing.signal).catch(() => response.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  fake.url = `http://127.0.0.1:${port}`
  fake.baseUrl = `${fake.url}/v1`
  return fake
}

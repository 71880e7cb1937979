/**
 * One webhook POST: the signed JSON body to the registered URL, through a DNS lookup that
 * refuses addresses the target rules forbid, within a time limit covering the whole exchange.
 * Redirects are not followed (a 3xx is a failed attempt). The answer's body is read and
 * dropped: only its status counts.
 *
 * @module
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { guardedLookup, literalProblem, WebhookTargetError } from './webhook-target.ts'

export interface WebhookPost {
  url: string
  body: string
  headers: Record<string, string>
  timeoutMs: number
  allowPrivate: boolean
}

/** Why an attempt failed, in a few words fit for the delivery log (no secrets, no bodies). */
export class WebhookSendError extends Error {
  override name = 'WebhookSendError'
}

const CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
}

function describe(error: unknown, timeoutMs: number, signal: AbortSignal): string {
  if (signal.aborted) return `no answer within ${timeoutMs} ms`
  if (error instanceof WebhookTargetError) return `refused: ${error.message}`
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') return CODES[code] ?? `connection failed (${code})`
  return 'connection failed'
}

/** Resolves with the receiver's HTTP status. @throws WebhookSendError */
export function postWebhook(post: WebhookPost): Promise<number> {
  const url = new URL(post.url)
  const problem = literalProblem(url, post.allowPrivate)
  if (problem !== null) return Promise.reject(new WebhookSendError(`refused: ${problem}`))
  const signal = AbortSignal.timeout(post.timeoutMs)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<number>((resolve, reject) => {
    const fail = (error: unknown) => reject(new WebhookSendError(describe(error, post.timeoutMs, signal)))
    const request = send(url, {
      method: 'POST',
      headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
      lookup: guardedLookup(url.protocol, post.allowPrivate),
      signal,
      // One exchange, no pooled sockets kept for receivers that are rarely called.
      agent: false,
    })
    request.on('error', fail)
    request.on('response', (response) => {
      const status = response.statusCode ?? 0
      let received = 0
      response.on('data', (chunk: Buffer) => {
        received += chunk.length
        // A receiver that streams forever is cut off (the status is all that is kept).
        if (received > 64 * 1024) response.destroy()
      })
      response.on('error', () => resolve(status))
      response.on('close', () => resolve(status))
    })
    request.end(post.body)
  })
}

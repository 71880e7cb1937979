/**
 * How alert webhooks are signed (the scheme Stripe uses, documented in docs/alerts.md): the
 * header `onekey-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The receiver recomputes the HMAC over the exact bytes it received, compares in constant time
 * and refuses timestamps older than its tolerance (replays).
 *
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { randomBase62 } from '../auth/api-key-format.ts'

export const SIGNATURE_HEADER = 'onekey-signature'

/** A new signing secret, `whsec_` and 40 base62 characters (238 bits). */
export function newWebhookSecret(): string {
  return `whsec_${randomBase62(40)}`
}

/** The `onekey-signature` header for `body` sent at `timestampSeconds`. */
export function signWebhookBody(secret: string, body: string, timestampSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')
  return `t=${timestampSeconds},v1=${digest}`
}

/**
 * Whether `header` signs `body` with `secret` within `toleranceSeconds` of `nowSeconds`: what a
 * receiver does (the docs show the same steps).
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  const parts = new Map<string, string[]>()
  for (const item of header.split(',')) {
    const [name, value] = item.split('=', 2)
    if (name === undefined || value === undefined) continue
    parts.set(name.trim(), [...(parts.get(name.trim()) ?? []), value.trim()])
  }
  const timestamp = Number(parts.get('t')?.[0])
  if (!Number.isInteger(timestamp)) return false
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'))
  return (parts.get('v1') ?? []).some((candidate) => {
    const given = Buffer.from(candidate)
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}

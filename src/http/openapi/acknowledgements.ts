/**
 * Small answers the route modules write inline (a stored BYOK key's summary, "deleted",
 * "revoked", "removed", the two-factor secret), as zod schemas for the API reference. Each is
 * copied from the `JSON.stringify` of its route; the openapi test parses real answers with them.
 *
 * @module
 */
import { z } from 'zod'
import { keySummary } from '../../contracts/console-answers.ts'

const time = z.string()

/** `PUT /api/v1/byok/{provider}`, and each entry of `GET /api/v1/byok`: never the key, only a hint. */
export const byokCredential = z.strictObject({
  provider: z.string(),
  hint: z.string().describe('The key’s last characters, to tell keys apart.'),
  created_at: time,
  updated_at: time,
})
export const byokList = z.strictObject({ object: z.literal('list'), data: z.array(byokCredential) })
export const byokDeleted = z.strictObject({ provider: z.string(), deleted: z.literal(true) })
/** `DELETE /api/v1/keys/{id}`: the key as lists show it, now revoked. */
export const keyRevoked = keySummary
export const inviteRevoked = z.strictObject({ id: z.string(), revoked: z.literal(true) })
export const memberRemoved = z.strictObject({ user_id: z.string(), removed: z.literal(true) })
export const webhookDeleted = z.strictObject({ id: z.string(), deleted: z.literal(true) })
/** `POST /api/v1/auth/two-factor/setup`: the secret, shown once, until enabled with a code. */
export const twoFactorSetup = z.strictObject({
  secret: z.string().describe('Base32 TOTP secret.'),
  otpauth_url: z.string().describe('The `otpauth://` URL for a QR code.'),
})

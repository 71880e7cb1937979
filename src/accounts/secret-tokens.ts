/**
 * Random tokens for cookies and emailed links, and the hashes stored in their place: only the
 * hash reaches the database, so a read of the tables yields nothing that signs anyone in.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { randomBase62 } from '../auth/api-key-format.ts'

/** 256 random bits, URL-safe. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url')
}

/** SHA-256 hex of a token: what is stored and looked up. */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A prefixed random ID, e.g. `usr_…`, like the gateway's other IDs. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase62(16)}`
}

/** An ID that sorts by creation time (for newest-first paging), e.g. `au_…`. */
export function newTimeOrderedId(prefix: string, nowMs: number): string {
  return `${prefix}_${nowMs.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`
}

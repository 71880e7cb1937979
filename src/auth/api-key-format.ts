/**
 * API key material: `okm-sk-` followed by 40 base62 characters (~238 bits of entropy). Keys are
 * shown once and stored only as a SHA-256 hash: with that much entropy a slow password hash
 * adds nothing, and a fast hash keeps the uncached lookup cheap.
 *
 * @module
 */
import { hash, randomBytes } from 'node:crypto'

export const API_KEY_PREFIX = 'okm-sk-'
const BODY_LENGTH = 40
const DISPLAY_LENGTH = API_KEY_PREFIX.length + 6
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const API_KEY_PATTERN = /^okm-sk-[0-9A-Za-z]{40}$/

/** Random base62 text, without modulo bias (bytes ≥ 248 are rejected). */
export function randomBase62(length: number): string {
  let text = ''
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && text.length < length) text += ALPHABET[byte % 62]
    }
  }
  return text
}

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBase62(BODY_LENGTH)
}

/** Cheap shape check, so garbage never costs a hash or a database lookup. */
export function looksLikeApiKey(token: string): boolean {
  return token.length === API_KEY_PREFIX.length + BODY_LENGTH && API_KEY_PATTERN.test(token)
}

/** SHA-256, hex. The one-shot `crypto.hash` costs less than half of a `createHash` object. */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex')
}

/** The part of a key safe to show in lists and logs, e.g. `okm-sk-a1B2c3`. */
export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_LENGTH)
}

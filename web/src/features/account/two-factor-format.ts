/**
 * Text helpers for two-factor sign-in: the base32 secret shown in groups of four for typing into
 * an authenticator app, and one-time codes as people type or paste them ("123 456", "123-456").
 *
 * @module
 */

/** `JBSWY3DPEHPK3PXP` → `JBSW Y3DP EHPK 3PXP` (spaces, dashes and `=` padding dropped, upper case). */
export function groupSecret(secret: string, size = 4): string {
  const compact = secret.replace(/[\s=-]/g, '').toUpperCase()
  const groups: string[] = []
  for (let start = 0; start < compact.length; start += size) groups.push(compact.slice(start, start + size))
  return groups.join(' ')
}

/** A typed or pasted code without its spaces and dashes: `123 456` → `123456`. */
export function normalizeCode(text: string): string {
  return text.replace(/[\s-]/g, '')
}

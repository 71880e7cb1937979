/**
 * Encryption at rest for BYOK credentials: AES-256-GCM with a master key from the environment.
 * Each value carries the ID of the key that sealed it, so the master key can be rotated: the new
 * key encrypts, earlier keys (listed in the environment) still decrypt, and `onekey byok rotate`
 * re-encrypts everything with the new one. The workspace and provider are bound in as
 * additional authenticated data: a ciphertext copied to another row does not decrypt.
 *
 * @module
 * @see https://nodejs.org/api/crypto.html#cryptocreatecipherivalgorithm-key-iv-options
 * @see https://csrc.nist.gov/pubs/sp/800/38/d/final (GCM; 96-bit random IVs)
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

/** A credential that cannot be decrypted: wrong master key, tampering, or a row moved. */
export class CredentialDecryptionError extends Error {
  override name = 'CredentialDecryptionError'
}

export interface CredentialCipher {
  /** ID of the key new values are sealed with. */
  readonly currentKeyId: string
  /** IDs of every key that can open values. */
  readonly knownKeyIds: readonly string[]
  encrypt(plaintext: string, context: string): { ciphertext: string; keyId: string }
  decrypt(ciphertext: string, context: string): string
}

/** First 8 hex digits of the key's SHA-256: names a key without revealing it. */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8)
}

export function createCredentialCipher(current: Buffer, previous: readonly Buffer[] = []): CredentialCipher {
  for (const key of [current, ...previous]) {
    if (key.byteLength !== 32) throw new RangeError('a master key must be 32 bytes')
  }
  const keys = new Map<string, Buffer>()
  for (const key of [current, ...previous]) keys.set(masterKeyId(key), key)
  const currentKeyId = masterKeyId(current)
  return {
    currentKeyId,
    knownKeyIds: [...keys.keys()],
    encrypt(plaintext, context) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES })
      cipher.setAAD(Buffer.from(context))
      const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const parts = [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url'))
      return { ciphertext: [VERSION, currentKeyId, ...parts].join('.'), keyId: currentKeyId }
    },
    decrypt(ciphertext, context) {
      const [version, keyId, iv, tag, sealed] = ciphertext.split('.')
      if (
        version !== VERSION ||
        keyId === undefined ||
        iv === undefined ||
        tag === undefined ||
        sealed === undefined
      ) {
        throw new CredentialDecryptionError('unrecognised credential format')
      }
      const key = keys.get(keyId)
      if (key === undefined) {
        throw new CredentialDecryptionError(
          `credential was encrypted with master key ${keyId}, which is not configured`,
        )
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
          authTagLength: TAG_BYTES,
        })
        decipher.setAAD(Buffer.from(context))
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString(
          'utf8',
        )
      } catch {
        throw new CredentialDecryptionError('credential failed authentication (wrong key or altered data)')
      }
    },
  }
}

/** The additional authenticated data of a workspace's credential for a provider. */
export function credentialContext(workspaceId: string, provider: string): string {
  return `onekey-byok:${workspaceId}:${provider}`
}

/** What is shown after saving: the first few and last four characters, e.g. `sk-p…wxyz`. */
export function credentialHint(apiKey: string): string {
  if (apiKey.length <= 12) return `…${apiKey.slice(-2)}`
  return `${apiKey.slice(0, 4)}…${apiKey.slice(-4)}`
}

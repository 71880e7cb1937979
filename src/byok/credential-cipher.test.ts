import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import {
  CredentialDecryptionError,
  createCredentialCipher,
  credentialHint,
  masterKeyId,
} from './credential-cipher.ts'

const oldKey = randomBytes(32)
const newKey = randomBytes(32)

test('round trip; the ciphertext hides the plaintext and differs every time', () => {
  const cipher = createCredentialCipher(oldKey)
  const first = cipher.encrypt('sk-secret-value', 'ctx')
  const second = cipher.encrypt('sk-secret-value', 'ctx')
  assert.notEqual(first.ciphertext, second.ciphertext, 'random IVs')
  assert.ok(!first.ciphertext.includes('sk-secret'))
  assert.equal(first.keyId, masterKeyId(oldKey))
  assert.equal(cipher.decrypt(first.ciphertext, 'ctx'), 'sk-secret-value')
})

test('a wrong key, another row, or a flipped bit fails loudly', () => {
  const { ciphertext } = createCredentialCipher(oldKey).encrypt('sk-secret-value', 'ws_a:openai')
  assert.throws(() => createCredentialCipher(newKey).decrypt(ciphertext, 'ws_a:openai'), /not configured/)
  assert.throws(
    () => createCredentialCipher(oldKey).decrypt(ciphertext, 'ws_b:openai'),
    CredentialDecryptionError,
  )
  const parts = ciphertext.split('.')
  const sealed = Buffer.from(parts[4]!, 'base64url')
  sealed[0]! ^= 1
  parts[4] = sealed.toString('base64url')
  assert.throws(
    () => createCredentialCipher(oldKey).decrypt(parts.join('.'), 'ws_a:openai'),
    /failed authentication/,
  )
  assert.throws(() => createCredentialCipher(oldKey).decrypt('garbage', 'ws_a:openai'), /unrecognised/)
})

test('rotation: the new key seals, a previous key still opens', () => {
  const { ciphertext } = createCredentialCipher(oldKey).encrypt('sk-secret-value', 'ctx')
  const rotating = createCredentialCipher(newKey, [oldKey])
  assert.equal(rotating.decrypt(ciphertext, 'ctx'), 'sk-secret-value')
  assert.equal(rotating.encrypt('x', 'ctx').keyId, masterKeyId(newKey))
  assert.deepEqual(rotating.knownKeyIds, [masterKeyId(newKey), masterKeyId(oldKey)])
  assert.throws(() => createCredentialCipher(Buffer.alloc(16)), /32 bytes/)
})

test('hints show a little of the key, never most of it', () => {
  assert.equal(credentialHint('sk-proj-abcdefghijklmnop'), 'sk-p…mnop')
  assert.equal(credentialHint('short-key'), '…ey')
})

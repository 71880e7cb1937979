import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey, randomBase62 } from './api-key-format.ts'

test('keys look like okm-sk-<40 base62>, are unique, and hash with SHA-256', () => {
  const keys = new Set(Array.from({ length: 1000 }, generateApiKey))
  assert.equal(keys.size, 1000)
  for (const key of keys) {
    assert.match(key, /^okm-sk-[0-9A-Za-z]{40}$/)
    assert.ok(looksLikeApiKey(key))
  }
  const key = [...keys][0]!
  assert.equal(hashApiKey(key), createHash('sha256').update(key).digest('hex'))
  assert.equal(displayPrefix(key), key.slice(0, 13))
  assert.ok(!looksLikeApiKey(`${key}x`))
  assert.ok(!looksLikeApiKey('sk-abc'))
})

test('base62 characters are spread evenly (no modulo bias)', () => {
  const counts = new Map<string, number>()
  for (const character of randomBase62(62_000)) counts.set(character, (counts.get(character) ?? 0) + 1)
  assert.equal(counts.size, 62)
  for (const count of counts.values()) assert.ok(count > 800 && count < 1200, `count ${count}`)
})

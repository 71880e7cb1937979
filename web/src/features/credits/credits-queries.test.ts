import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CODE_PATTERN, normaliseCode } from './credits-queries.ts'

test('credit codes are normalised and checked', () => {
  assert.equal(normaliseCode(' okc-ab12-cd34-ef56-gh78 '), 'OKC-AB12-CD34-EF56-GH78')
  assert.ok(CODE_PATTERN.test('OKC-AB12-CD34-EF56-GH78'))
  assert.ok(!CODE_PATTERN.test('OKC-AB12-CD34-EF56'))
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  generateCreditCode,
  hashCreditCode,
  looksLikeCreditCode,
  normalizeCreditCode,
} from './credit-codes.ts'

test('codes are readable, unique and forgiving to type', () => {
  const code = generateCreditCode()
  assert.match(code, /^OKC-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/)
  assert.ok(looksLikeCreditCode(code))
  assert.equal(hashCreditCode(code), hashCreditCode(` ${code.toLowerCase().replaceAll('-', ' ')} `))
  assert.equal(normalizeCreditCode('okc-abio-l000-0000-0000'), 'AB1010000000000000'.slice(0, 16))
  assert.ok(!looksLikeCreditCode('OKC-1234'))
  assert.equal(new Set(Array.from({ length: 1000 }, generateCreditCode)).size, 1000)
})

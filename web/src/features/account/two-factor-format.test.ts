import assert from 'node:assert/strict'
import { test } from 'node:test'
import { groupSecret, normalizeCode } from './two-factor-format.ts'

test('groupSecret splits a base32 secret into groups of four', () => {
  assert.equal(groupSecret('JBSWY3DPEHPK3PXP'), 'JBSW Y3DP EHPK 3PXP')
  assert.equal(groupSecret('ABCDEFGHIJ'), 'ABCD EFGH IJ')
  assert.equal(groupSecret('ABCD'), 'ABCD')
  assert.equal(groupSecret(''), '')
})

test('groupSecret drops spaces, dashes and padding and upper-cases', () => {
  assert.equal(groupSecret(' jbsw-y3dp ehpk=3pxp== '), 'JBSW Y3DP EHPK 3PXP')
  assert.equal(groupSecret('ABCDEFGH', 2), 'AB CD EF GH')
})

test('normalizeCode removes spaces and dashes only', () => {
  assert.equal(normalizeCode(' 123 456 '), '123456')
  assert.equal(normalizeCode('123-456'), '123456')
  assert.equal(normalizeCode('12a456'), '12a456')
})

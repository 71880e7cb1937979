import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import { newWebhookSecret, signWebhookBody, verifyWebhookSignature } from './webhook-signature.ts'

test('the signature is HMAC-SHA256 of "<t>.<body>", and verifies only for that body, secret and time', () => {
  const secret = newWebhookSecret()
  assert.match(secret, /^whsec_[0-9A-Za-z]{40}$/)
  const body = '{"id":"evt_1","type":"balance.low"}'
  const header = signWebhookBody(secret, body, 1_800_000_000)
  const expected = createHmac('sha256', secret).update(`1800000000.${body}`).digest('hex')
  assert.equal(header, `t=1800000000,v1=${expected}`)
  const at = { nowSeconds: 1_800_000_100 }
  assert.equal(verifyWebhookSignature(secret, body, header, at), true)
  assert.equal(verifyWebhookSignature(secret, `${body} `, header, at), false)
  assert.equal(verifyWebhookSignature(newWebhookSecret(), body, header, at), false)
  assert.equal(verifyWebhookSignature(secret, body, header, { nowSeconds: 1_800_000_301 }), false)
  assert.equal(verifyWebhookSignature(secret, body, 'v1=abc', at), false)
  assert.equal(verifyWebhookSignature(secret, body, `t=1800000000,v1=${'0'.repeat(64)}`, at), false)
})

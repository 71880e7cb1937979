/**
 * Two (then three) gateway instances sharing Redis: a circuit one instance opens is honoured by
 * the others at once, and by an instance that starts later.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { chatCompletionBody, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { redisSkipReason, TEST_REDIS_URL } from '../helpers/backends.ts'
import { fakeProvider, offer, startTestGateway, TEST_ENV } from '../helpers/test-gateway.ts'

const skip = await redisSkipReason()
const messages = [{ role: 'user', content: 'hi' }]

describe('shared circuit state through Redis', { skip }, () => {
  test('an account one instance found revoked is skipped by every instance', async () => {
    const upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok') })
    const document = {
      redis: { url: TEST_REDIS_URL, key_prefix: `onekey-test:${randomUUID()}:` },
      upstream: { cooldown_ms: 60_000 },
      providers: [fakeProvider('fake', upstream.baseUrl)],
      models: [{ id: 'm', offers: [offer('fake')] }],
    }
    const one = await startTestGateway(document)
    const two = await startTestGateway(document)
    let three: Awaited<ReturnType<typeof startTestGateway>> | undefined
    try {
      upstream.script({ kind: 'json', status: 401, body: { error: { message: 'revoked' } } })
      const first = await one.post('/v1/chat/completions', { model: 'm', messages })
      assert.equal(first.status, 200, 'the other account answered')
      const revokedKey = upstream.calls[0]!.headers.authorization
      const revokedAccount = revokedKey === `Bearer ${TEST_ENV.FAKE_KEY_A}` ? 'fake/a' : 'fake/b'

      let seen = false
      for (let attempt = 0; attempt < 100 && !seen; attempt++) {
        seen = !two.gateway.health.isAvailable(revokedAccount)
        if (!seen) await sleep(20)
      }
      assert.ok(seen, 'the second instance learned of the open circuit')
      upstream.reset()
      for (let index = 0; index < 6; index++) {
        assert.equal((await two.post('/v1/chat/completions', { model: 'm', messages })).status, 200)
      }
      assert.equal(upstream.calls.length, 6)
      assert.ok(
        upstream.calls.every((call) => call.headers.authorization !== revokedKey),
        'never the revoked key',
      )

      three = await startTestGateway(document)
      assert.equal(
        three.gateway.health.isAvailable(revokedAccount),
        false,
        'a later instance loads it at start',
      )
    } finally {
      await Promise.all([one.close(), two.close(), three?.close()])
      await upstream.close()
    }
  })
})

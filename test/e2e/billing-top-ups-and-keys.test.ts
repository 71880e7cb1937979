/**
 * Billing end to end, putting credit in and managing keys: credit codes redeemed once through
 * the API (a retry is harmless, another workspace cannot reuse a code), API keys created, listed
 * and revoked through the API, and the operator's idempotent top-up through the admin API with
 * the purchase fee as its own ledger entry. Shared setup: `test/helpers/billing-setup.ts`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createCreditCodes } from '../../src/billing/credit-codes.ts'
import type { FakeUpstream } from '../fakes/fake-upstream.ts'
import { type BillingFixture, document, startBillingFixture } from '../helpers/billing-setup.ts'
import { type Json, readJson, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

describe('billing: reserve, settle, 402', () => {
  let upstream: FakeUpstream
  let gateway: TestGateway
  let managementKey: string
  let fixture: BillingFixture

  before(async () => {
    fixture = await startBillingFixture()
    upstream = fixture.upstream
    gateway = fixture.gateway
    managementKey = fixture.managementKey
  })
  after(() => fixture.close())

  test('credit codes redeem once through the API; keys are managed through the API', async () => {
    const { codes } = await createCreditCodes(gateway.store.ledger, {
      amountNano: 2_000_000_000,
      count: 2,
      expiresAt: undefined,
    })
    const redeem = (code: string, key = managementKey) =>
      fetch(`${gateway.url}/api/v1/credits/redeem`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({ code }),
      })
    const first = await readJson(await redeem(codes[0]!.toLowerCase()))
    assert.equal(first.redeemed, true)
    assert.equal(first.entry.kind, 'redemption')
    assert.equal(first.entry.amount, '2')
    assert.equal((await readJson(await redeem(codes[0]!))).replayed, true, 'a retry is harmless')
    const other = await gateway.service.createWorkspace('code-thief')
    const { key: thief } = await gateway.service.createApiKey({
      workspace: other.id,
      name: 't',
      management: true,
    })
    const stolen = await redeem(codes[0]!, thief)
    assert.equal(stolen.status, 400)
    assert.match((await readJson(stolen)).error.message, /already been redeemed/)
    assert.equal((await redeem('OKC-0000-0000-0000-0000')).status, 400)

    const created = await fetch(`${gateway.url}/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${managementKey}` },
      body: JSON.stringify({ name: 'ci', lanes: ['cheap'], expires_in_days: 7 }),
    })
    assert.equal(created.status, 201)
    const newKey = await readJson(created)
    assert.match(newKey.key, /^okm-sk-/)
    assert.deepEqual(newKey.lanes, ['cheap'])
    const listed = await readJson(
      await fetch(`${gateway.url}/api/v1/keys`, { headers: { authorization: `Bearer ${managementKey}` } }),
    )
    assert.ok(listed.data.some((item: Json) => item.id === newKey.id))
    assert.ok(!JSON.stringify(listed).includes(newKey.key), 'a listing never shows a key')
    assert.equal(
      (
        await fetch(`${gateway.url}/api/v1/keys/${newKey.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${thief}` },
        })
      ).status,
      404,
      "another workspace cannot revoke this workspace's key",
    )
    const revoked = await fetch(`${gateway.url}/api/v1/keys/${newKey.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${managementKey}` },
    })
    assert.equal(revoked.status, 200)
    const refused = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${newKey.key}` },
    })
    assert.equal(refused.status, 401, 'revoked at once on this instance')
  })

  test('the operator tops up through the admin API, idempotently, with the purchase fee as its own entry', async () => {
    const admin = await startTestGateway(
      document(upstream),
      { ONEKEY_ADMIN_TOKEN: 'admin-token-0123456789abcdef' },
      { credit: '0' },
    )
    try {
      const call = (body: unknown, token = 'admin-token-0123456789abcdef') =>
        fetch(`${admin.url}/api/v1/admin/credits`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        })
      const first = await readJson(
        await call({ workspace: 'test-workspace', amount: '20', idempotency_key: 'inv-7' }),
      )
      assert.deepEqual(
        first.entries.map((entry: Json) => [entry.kind, entry.amount]),
        [
          ['purchase', '20'],
          ['purchase_fee', '-1.35'],
        ],
      )
      assert.equal(first.balance, '18.65')
      const again = await readJson(
        await call({ workspace: 'test-workspace', amount: '20', idempotency_key: 'inv-7' }),
      )
      assert.equal(again.replayed, true)
      assert.equal(again.balance, '18.65', 'never credited twice')
      assert.equal(
        (await call({ workspace: 'test-workspace', amount: '20', idempotency_key: 'x' }, 'wrong')).status,
        401,
      )
      assert.equal(
        (await call({ workspace: 'test-workspace', amount: '1e3', idempotency_key: 'y' })).status,
        400,
      )
      assert.equal((await call({ workspace: 'nope', amount: '1', idempotency_key: 'z' })).status, 404)
    } finally {
      await admin.close()
    }
  })
})

/**
 * The Store contract's alerts part: settings, webhooks kept to their workspace, the verified
 * members who get emails, an event recorded once per dedupe key however many writers race, a
 * due delivery claimed by one worker, and the delivery log. Uses its own workspaces.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AlertDeliveryRecord, AlertEventRecord } from '../../src/storage/alert-records.ts'
import type { Store } from '../../src/storage/store.ts'

const AT = '2026-12-06T17:00:00.000Z'

function alertEvent(id: string, dedupeKey: string): AlertEventRecord {
  return {
    id,
    workspaceId: 'ws_alerts',
    kind: 'balance.low',
    dedupeKey,
    summary: 'Balance fell below $5.00',
    data: '{"threshold":"5"}',
    createdAt: AT,
  }
}

function delivery(id: string, eventId: string, target = 'https://hooks.example.com/a'): AlertDeliveryRecord {
  return {
    id,
    eventId,
    workspaceId: 'ws_alerts',
    channel: 'webhook',
    webhookId: 'wh_a',
    target,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: AT,
    lastStatus: null,
    lastError: null,
    deliveredAt: null,
    createdAt: AT,
  }
}

/** Registers the alerts tests, in order, against the suite's one store. */
export function storeAlertsContract(getStore: () => Store): void {
  test('alerts: settings, webhooks kept to their workspace, verified recipients by role', async () => {
    const store = getStore()
    await store.workspaces.create({ id: 'ws_alerts', name: 'alerts', createdAt: AT })
    await store.workspaces.create({ id: 'ws_alerts_other', name: 'alerts-other', createdAt: AT })
    assert.equal(await store.alerts.settings('ws_alerts'), undefined)
    await store.alerts.putSettings({
      workspaceId: 'ws_alerts',
      balanceBelowNano: 5e9,
      email: true,
      updatedAt: AT,
    })
    await store.alerts.putSettings({
      workspaceId: 'ws_alerts',
      balanceBelowNano: null,
      email: false,
      updatedAt: AT,
    })
    assert.deepEqual(await store.alerts.settings('ws_alerts'), {
      workspaceId: 'ws_alerts',
      balanceBelowNano: null,
      email: false,
      updatedAt: AT,
    })

    const webhook = {
      id: 'wh_a',
      workspaceId: 'ws_alerts',
      url: 'https://hooks.example.com/a',
      secret: 'whsec_test',
      events: ['balance.low', 'budget.threshold'],
      createdAt: AT,
      disabled: false,
    }
    await store.alerts.createWebhook(webhook)
    await store.alerts.createWebhook({ ...webhook, id: 'wh_b', events: null })
    assert.deepEqual(await store.alerts.findWebhook('ws_alerts', 'wh_a'), webhook)
    assert.equal(await store.alerts.findWebhook('ws_alerts_other', 'wh_a'), undefined)
    assert.equal(await store.alerts.deleteWebhook('ws_alerts_other', 'wh_a'), false)
    assert.deepEqual(
      (await store.alerts.listWebhooks('ws_alerts')).map((each) => [each.id, each.events]),
      [
        ['wh_a', ['balance.low', 'budget.threshold']],
        ['wh_b', null],
      ],
    )
    assert.equal(await store.alerts.deleteWebhook('ws_alerts', 'wh_b'), true)
    assert.equal(await store.alerts.deleteWebhook('ws_alerts', 'wh_b'), false)

    for (const [id, role, verified] of [
      ['usr_alert_owner', 'owner', true],
      ['usr_alert_billing', 'billing', true],
      ['usr_alert_unverified', 'admin', false],
      ['usr_alert_viewer', 'viewer', true],
    ] as const) {
      await store.accounts.createUser({
        id,
        email: `${id}@example.test`,
        passwordHash: 'x',
        emailVerifiedAt: verified ? AT : null,
        operator: false,
        createdAt: AT,
        passwordChangedAt: AT,
        totpSecret: null,
        totpEnabledAt: null,
        totpLastStep: null,
      })
      await store.accounts.addMember('ws_alerts', id, role, AT)
    }
    assert.deepEqual(await store.alerts.recipients('ws_alerts', ['owner', 'admin', 'billing']), [
      'usr_alert_billing@example.test',
      'usr_alert_owner@example.test',
    ])
    assert.deepEqual(await store.alerts.recipients('ws_alerts_other', ['owner']), [])
  })

  test('alerts: an event is recorded once per dedupe key, with its deliveries, however many race', async () => {
    const store = getStore()
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        store.alerts.recordEvent(alertEvent(`evt_race_${index}`, 'balance.low:ws_alerts:entry_1'), [
          delivery(`dl_race_${index}_a`, `evt_race_${index}`),
          delivery(`dl_race_${index}_b`, `evt_race_${index}`, 'owner@example.test'),
        ]),
      ),
    )
    assert.equal(results.filter(Boolean).length, 1)
    const log = await store.alerts.listDeliveries('ws_alerts', { limit: 50 })
    assert.equal(log.length, 2)
    assert.equal(new Set(log.map((each) => each.eventId)).size, 1)
    assert.equal(log[0]!.kind, 'balance.low')
    assert.equal(log[0]!.summary, 'Balance fell below $5.00')
  })

  test('alerts: a due delivery is claimed by one worker; a stale claim cannot finish it', async () => {
    const store = getStore()
    await store.alerts.recordEvent(alertEvent('evt_claim', 'claim:1'), [
      delivery('dl_claim_1', 'evt_claim'),
      delivery('dl_claim_2', 'evt_claim'),
      { ...delivery('dl_claim_later', 'evt_claim'), nextAttemptAt: '2026-12-06T18:00:00.000Z' },
    ])
    const now = '2026-12-06T17:00:01.000Z'
    // Everything due from the race above and this event, claimed by four workers at once.
    const claims = await Promise.all(
      ['a', 'b', 'c', 'd'].map((worker) =>
        store.alerts.claimDue(now, `2026-12-06T17:00:31.00${['a', 'b', 'c', 'd'].indexOf(worker)}Z`, 10),
      ),
    )
    const claimed = claims.flat()
    assert.equal(claimed.length, 4, 'two race deliveries and two due claim deliveries')
    assert.equal(new Set(claimed.map((each) => each.id)).size, 4, 'no delivery claimed twice')
    assert.ok(!claimed.some((each) => each.id === 'dl_claim_later'), 'not yet due')
    const first = claimed.find((each) => each.id === 'dl_claim_1')!
    assert.equal(first.attempts, 1)
    assert.equal(first.secret, 'whsec_test')
    assert.equal(first.event.dedupeKey, 'claim:1')
    // Claimed: not due again until the claim runs out.
    assert.deepEqual(await store.alerts.claimDue(now, '2026-12-06T17:00:40.000Z', 10), [])

    assert.equal(
      await store.alerts.finish('dl_claim_1', '2026-12-06T16:00:00.000Z', {
        status: 'delivered',
        at: now,
        lastStatus: 200,
      }),
      false,
      'someone else’s claim',
    )
    assert.equal(
      await store.alerts.finish('dl_claim_1', first.claimedUntil, {
        status: 'delivered',
        at: now,
        lastStatus: 204,
      }),
      true,
    )
    const second = claimed.find((each) => each.id === 'dl_claim_2')!
    await store.alerts.finish('dl_claim_2', second.claimedUntil, {
      status: 'pending',
      lastStatus: 500,
      lastError: 'HTTP 500',
      nextAttemptAt: '2026-12-06T17:00:05.000Z',
    })
    assert.deepEqual(
      await store.alerts.claimDue('2026-12-06T17:00:04.000Z', '2026-12-06T17:01:00.000Z', 10),
      [],
    )
    const retried = await store.alerts.claimDue('2026-12-06T17:00:05.000Z', '2026-12-06T17:01:00.000Z', 10)
    assert.deepEqual(
      retried.map((each) => [each.id, each.attempts, each.lastError]),
      [['dl_claim_2', 2, 'HTTP 500']],
    )
    // A claim that ran out (its worker died) is taken over.
    const takenOver = await store.alerts.claimDue('2026-12-06T17:01:00.001Z', '2026-12-06T17:02:00.000Z', 10)
    assert.ok(takenOver.some((each) => each.id === 'dl_claim_2'))
  })

  test('alerts: the delivery log pages newest first and is kept to its workspace', async () => {
    const store = getStore()
    const all = await store.alerts.listDeliveries('ws_alerts', { limit: 100 })
    const ids = all.map((each) => each.id)
    assert.deepEqual(ids, [...ids].sort().reverse())
    const page = await store.alerts.listDeliveries('ws_alerts', { limit: 2 })
    const next = await store.alerts.listDeliveries('ws_alerts', { limit: 100, before: page.at(-1)!.id })
    assert.deepEqual(
      [...page, ...next].map((each) => each.id),
      ids,
    )
    assert.deepEqual(await store.alerts.listDeliveries('ws_alerts_other', { limit: 10 }), [])
    const delivered = all.find((each) => each.id === 'dl_claim_1')!
    assert.equal(delivered.status, 'delivered')
    assert.equal(delivered.lastStatus, 204)
    assert.equal(delivered.deliveredAt, '2026-12-06T17:00:01.000Z')
  })
}

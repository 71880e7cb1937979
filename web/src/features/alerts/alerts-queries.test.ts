import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QueryClient } from '@tanstack/react-query'
import {
  ALERT_KINDS,
  alertKeys,
  buildWebhookBody,
  type DeliveriesPage,
  deliveriesQuery,
  hasPending,
  parseThreshold,
  testWebhookMutation,
} from './alerts-queries.ts'

test('every kind ticked sends no events list (all, including kinds added later)', () => {
  assert.deepEqual(buildWebhookBody({ url: ' https://example.com/hook ', events: [...ALERT_KINDS] }), {
    body: { url: 'https://example.com/hook' },
  })
  assert.deepEqual(buildWebhookBody({ url: 'https://example.com/hook', events: ['balance.low', 'nope'] }), {
    body: { url: 'https://example.com/hook', events: ['balance.low'] },
  })
  const bad = buildWebhookBody({ url: 'example.com', events: [] })
  assert.ok('errors' in bad)
  assert.deepEqual(Object.keys(bad.errors).sort(), ['events', 'url'])
})

test('an empty threshold switches the balance alert off', () => {
  assert.deepEqual(parseThreshold(''), { ok: true, value: null })
  assert.deepEqual(parseThreshold('$5'), { ok: true, value: '5' })
  assert.equal(parseThreshold('five').ok, false)
})

test('the delivery log pages by the last ID and refreshes while something is pending', () => {
  const page = (status: 'pending' | 'delivered', more: boolean): DeliveriesPage => ({
    object: 'list',
    data: [
      {
        id: 'adl_2',
        event_id: 'evt_1',
        event: 'alert.test',
        summary: 'Test',
        channel: 'webhook',
        target: 'https://example.com',
        status,
        attempts: 1,
        last_status: null,
        last_error: null,
        next_attempt_at: null,
        delivered_at: null,
        created_at: '2026-12-06T12:00:00Z',
      },
    ],
    has_more: more,
  })
  assert.deepEqual(deliveriesQuery().queryKey, ['alerts', 'deliveries'])
  assert.equal(deliveriesQuery().getNextPageParam?.(page('delivered', true), [], undefined, []), 'adl_2')
  assert.equal(deliveriesQuery().getNextPageParam?.(page('delivered', false), [], undefined, []), undefined)
  assert.equal(hasPending([page('delivered', false), page('pending', false)]), true)
  assert.equal(hasPending([page('delivered', false)]), false)
  assert.equal(hasPending(undefined), false)
})

test('a test send refreshes the delivery log', () => {
  const queryClient = new QueryClient()
  queryClient.setQueryData(alertKeys.deliveries(), { pages: [], pageParams: [] })
  testWebhookMutation(queryClient).onSuccess()
  assert.equal(queryClient.getQueryState(alertKeys.deliveries())?.isInvalidated, true)
})

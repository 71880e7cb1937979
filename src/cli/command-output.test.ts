import assert from 'node:assert/strict'
import { test } from 'node:test'
import { toWire } from './command-output.ts'

test('--json speaks the API: snake_case names, money as exact decimal strings', () => {
  assert.deepEqual(
    toWire({
      workspace: 'ws_1',
      balanceNano: 5_000_000_000,
      heldNano: 1,
      entries: [
        { kind: 'usage', amountNano: -2_100, createdAt: '2026-12-06T00:00:00.000Z', requestId: null },
      ],
      allowedLanes: ['byok'],
      limits: { rpm: 60, concurrencyLimit: null },
    }),
    {
      workspace: 'ws_1',
      balance: '5',
      held: '0.000000001',
      entries: [
        { kind: 'usage', amount: '-0.0000021', created_at: '2026-12-06T00:00:00.000Z', request_id: null },
      ],
      allowed_lanes: ['byok'],
      limits: { rpm: 60, concurrency_limit: null },
    },
  )
})

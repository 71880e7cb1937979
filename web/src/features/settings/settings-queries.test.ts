import assert from 'node:assert/strict'
import { test } from 'node:test'
import { changedSettings, type WorkspaceSettings } from './settings-queries.ts'

test('changedSettings sends only what changed', () => {
  const saved: WorkspaceSettings = {
    id: 'ws_1',
    name: 'acme',
    created_at: '2026-01-01T00:00:00Z',
    default_lane: 'cheap',
    deny_data_collection: false,
    prompt_cache: true,
  }
  assert.deepEqual(
    changedSettings(saved, { default_lane: 'cheap', deny_data_collection: true, prompt_cache: true }),
    {
      deny_data_collection: true,
    },
  )
  assert.deepEqual(
    changedSettings(saved, { default_lane: 'cheap', deny_data_collection: false, prompt_cache: true }),
    {},
  )
})

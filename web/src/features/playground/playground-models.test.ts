import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  baseModelId,
  chatModelChoices,
  compareTargets,
  groupChoices,
  type ModelEntry,
} from './playground-models.ts'

const text = { input: ['text'], output: ['text'] }
const models: ModelEntry[] = [
  { id: 'gpt-4o-mini', lane: 'cheap', modalities: text },
  { id: 'cheap/gpt-4o-mini', lane: 'cheap', modalities: text },
  { id: 'resale/gpt-4o-mini', lane: 'resale', modalities: text },
  { id: 'byok/openai/gpt-4o-mini', lane: 'byok', modalities: text },
  { id: 'cheap/vendor/llama-3', lane: 'cheap', modalities: text },
  {
    id: 'cheap/text-embedding-3-small',
    lane: 'cheap',
    modalities: { input: ['text'], output: ['embeddings'] },
  },
  { id: 'resale/gpt-image-1', lane: 'resale', modalities: { input: ['text'], output: ['image'] } },
]

test('baseModelId strips the lane prefix only', () => {
  const table: [string, string][] = [
    ['cheap/m', 'm'],
    ['resale/m', 'm'],
    ['byok/openai/m', 'm'],
    ['m', 'm'],
    ['vendor/llama-3', 'vendor/llama-3'],
    ['cheap/vendor/llama-3', 'vendor/llama-3'],
  ]
  for (const [id, base] of table) assert.equal(baseModelId(id), base, id)
})

test('chat models only, by lane, plain IDs last and labelled with their lane', () => {
  const choices = chatModelChoices(models)
  assert.deepEqual(
    choices.map((choice) => choice.id),
    [
      'cheap/gpt-4o-mini',
      'cheap/vendor/llama-3',
      'resale/gpt-4o-mini',
      'byok/openai/gpt-4o-mini',
      'gpt-4o-mini',
    ],
  )
  assert.equal(choices.at(-1)?.label, 'gpt-4o-mini (workspace default: cheap)')
  assert.deepEqual(
    groupChoices(choices).map((group) => [group.label, group.choices.length]),
    [
      ['cheap lane', 2],
      ['resale lane', 1],
      ['byok lane', 1],
      ['Default lane', 1],
    ],
  )
})

test('compare only where both cheap and resale offer the model', () => {
  const choices = chatModelChoices(models)
  const both = { base: 'gpt-4o-mini', cheap: 'cheap/gpt-4o-mini', resale: 'resale/gpt-4o-mini' }
  assert.deepEqual(compareTargets(choices, 'gpt-4o-mini'), both)
  assert.deepEqual(compareTargets(choices, 'byok/openai/gpt-4o-mini'), both)
  assert.equal(compareTargets(choices, 'cheap/vendor/llama-3'), null)
  assert.equal(compareTargets(choices, 'missing'), null)
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileModelPatterns } from '../auth/key-access.ts'
import { estimatePromptTokens, maxOutputTokens } from '../tokens/estimate-prompt-tokens.ts'
import { loadTokenizers, tokenCounter } from '../tokens/tokenizer.ts'
import { laneModelId, parseModelId } from './model-id.ts'

test('lane prefixes are split off; other slashes belong to the model', () => {
  assert.deepEqual(parseModelId('cheap/gpt-4o'), { lane: 'cheap', byokProvider: undefined, model: 'gpt-4o' })
  assert.deepEqual(parseModelId('resale/meta/llama-3'), {
    lane: 'resale',
    byokProvider: undefined,
    model: 'meta/llama-3',
  })
  assert.deepEqual(parseModelId('byok/openai/gpt-4o'), {
    lane: 'byok',
    byokProvider: 'openai',
    model: 'gpt-4o',
  })
  assert.deepEqual(parseModelId('meta/llama-3'), {
    lane: undefined,
    byokProvider: undefined,
    model: 'meta/llama-3',
  })
  assert.deepEqual(parseModelId('gpt-4o'), { lane: undefined, byokProvider: undefined, model: 'gpt-4o' })
  for (const bad of ['byok/openai', 'byok//m', 'byok/openai/', 'cheap/']) {
    assert.throws(() => parseModelId(bad), { code: 'invalid_parameter', param: 'model' })
  }
  assert.equal(laneModelId('byok', 'm', 'openai'), 'byok/openai/m')
  assert.equal(laneModelId('cheap', 'm'), 'cheap/m')
})

test('key model patterns match the lane-prefixed or the bare ID, with * only as a wildcard', () => {
  const matcher = compileModelPatterns(['gpt-4o*', 'resale/claude-*'])
  assert.ok(matcher.matches('cheap/gpt-4o-mini', 'gpt-4o-mini'))
  assert.ok(matcher.matches('resale/claude-3', 'claude-3'))
  assert.ok(!matcher.matches('cheap/claude-3', 'claude-3'))
  assert.ok(!compileModelPatterns(['gpt.4']).matches('cheap/gpt-4', 'gpt-4'), 'a dot is a dot')
})

test('prompt estimates over-count rather than under-count; output is capped by the model', () => {
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20)
  const tokens = estimatePromptTokens({ model: 'm', messages: [{ role: 'user', content: text }] })
  // about 200 real tokens with cl100k/o200k
  assert.ok(tokens >= 200 && tokens < 400, `${tokens}`)
  const withImage = estimatePromptTokens({
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:…' } }] }],
  })
  assert.equal(withImage, 3 + 4 + 765)
  const model = { maxOutputTokens: 4096, contextLength: 8192 }
  assert.equal(maxOutputTokens({ model: 'm', messages: [], max_tokens: 100 }, model, 10), 100)
  assert.equal(maxOutputTokens({ model: 'm', messages: [], max_tokens: 100_000 }, model, 10), 4096)
  assert.equal(
    maxOutputTokens({ model: 'm', messages: [] }, { maxOutputTokens: undefined, contextLength: 8192 }, 192),
    8000,
  )
  assert.equal(
    maxOutputTokens(
      { model: 'm', messages: [] },
      { maxOutputTokens: undefined, contextLength: undefined },
      1,
    ),
    undefined,
  )
})

test('OpenAI-family models count prompts with their real tokenizer', async () => {
  await loadTokenizers(['o200k_base'])
  const count = tokenCounter('o200k_base')!
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20)
  assert.equal(count(text), 201)
  const request = { model: 'm', messages: [{ role: 'user', content: text }] }
  assert.equal(estimatePromptTokens(request, count), 3 + 4 + 201)
  assert.ok(estimatePromptTokens(request) > estimatePromptTokens(request, count), 'the estimate over-counts')
  const huge = { model: 'm', messages: [{ role: 'user', content: 'word '.repeat(20_000) }] }
  assert.equal(
    estimatePromptTokens(huge, count),
    estimatePromptTokens(huge),
    'huge prompts are estimated, not tokenized',
  )
  assert.equal(tokenCounter(undefined), undefined)
})

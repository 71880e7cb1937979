import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type AnswerState, applyData, finish, metaFromHeaders, WAITING } from './playground-answer.ts'

const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
  JSON.stringify({
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  })

function run(events: string[]): AnswerState {
  return events.reduce(applyData, WAITING)
}

test('text accumulates; the last chunk brings the tokens and the exact cost string', () => {
  const state = run([
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'You' }),
    chunk({ content: ' said: hi' }),
    chunk({}, 'stop'),
    // usage.cost is a JSON number: it is never read; cost_details.total is the exact decimal.
    '{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"cost":0.000018000000000000001,"cost_details":{"total":"0.000018","lane":"cheap"}}}',
    '[DONE]',
  ])
  assert.equal(state.status, 'done')
  assert.equal(state.text, 'You said: hi')
  assert.equal(state.finishReason, 'stop')
  assert.deepEqual(state.usage, { promptTokens: 12, completionTokens: 3, cost: '0.000018' })
})

test('the first chunk moves waiting to streaming', () => {
  assert.equal(applyData(WAITING, chunk({ content: 'a' })).status, 'streaming')
  assert.equal(applyData(WAITING, chunk({ role: 'assistant' })).status, 'streaming')
})

test('a cost that is not a plain decimal string is not shown; bad counts read as 0', () => {
  const state = run(['{"choices":[],"usage":{"prompt_tokens":-1,"completion_tokens":1.5,"cost":1e-7}}'])
  assert.deepEqual(state.usage, { promptTokens: 0, completionTokens: 0, cost: null })
  const weird = run([
    '{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"cost_details":{"total":"1e-7"}}}',
  ])
  assert.equal(weird.usage?.cost, null)
})

test('an in-band error fails the answer and keeps what arrived', () => {
  const state = run([
    chunk({ content: 'par' }),
    '{"error":{"message":"The upstream provider reported an error mid-stream.","code":"upstream_error"}}',
  ])
  assert.equal(state.status, 'failed')
  assert.equal(state.text, 'par')
  assert.equal(state.error, 'The upstream provider reported an error mid-stream.')
  assert.equal(applyData(state, '[DONE]').status, 'failed')
})

test('garbage data is ignored', () => {
  assert.equal(applyData(WAITING, 'not json'), WAITING)
})

test('finish: a stream cut without [DONE] failed; a stopped one is stopped; a done one stays done', () => {
  const partial = run([chunk({ content: 'x' })])
  assert.equal(finish(partial, 'ended').status, 'failed')
  assert.match(finish(partial, 'ended').error ?? '', /before it was complete/)
  assert.equal(finish(partial, 'stopped').status, 'stopped')
  const done = run([chunk({ content: 'x' }), '[DONE]'])
  assert.equal(finish(done, 'stopped'), done)
})

test('metaFromHeaders reads the x-onekey headers; attempts default to 1', () => {
  const meta = metaFromHeaders(
    new Headers({
      'x-onekey-lane': 'resale',
      'x-onekey-provider': 'openai',
      'x-onekey-model': 'gpt-4o-mini-2024-07-18',
      'x-onekey-generation-id': 'gen_1',
    }),
  )
  assert.deepEqual(meta, {
    lane: 'resale',
    provider: 'openai',
    upstreamModel: 'gpt-4o-mini-2024-07-18',
    attempts: 1,
    generationId: 'gen_1',
    cache: null,
  })
  assert.equal(metaFromHeaders(new Headers({ 'x-onekey-attempts': '3' })).attempts, 3)
  assert.equal(metaFromHeaders(new Headers({ 'x-onekey-attempts': 'x' })).attempts, 1)
})

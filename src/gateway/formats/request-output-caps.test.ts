import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_OUTPUT_TOKENS } from '../validate/validate-chat-request.ts'
import { convertCompletionsToChat } from './completions-format.ts'
import { convertResponsesToChat } from './responses-request.ts'

const impossible = [0, -5, 2.5, MAX_OUTPUT_TOKENS + 1, 1e15, Infinity, '16', false, [16], { n: 1 }]

test("Responses: 'max_output_tokens' must be an integer from 1 to MAX_OUTPUT_TOKENS", () => {
  const body = { model: 'm', input: 'hi' }
  assert.equal(convertResponsesToChat({ ...body, max_output_tokens: 300 }).max_completion_tokens, 300)
  assert.equal(convertResponsesToChat({ ...body, max_output_tokens: null }).max_completion_tokens, undefined)
  for (const value of impossible)
    assert.throws(
      () => convertResponsesToChat({ ...body, max_output_tokens: value }),
      { status: 400, code: 'invalid_parameter', param: 'max_output_tokens' },
      String(value),
    )
})

test("legacy completions: 'max_tokens' must be an integer from 1 to MAX_OUTPUT_TOKENS (absent or null: 16)", () => {
  const body = { model: 'm', prompt: 'hi' }
  assert.equal(
    convertCompletionsToChat({ ...body, max_tokens: MAX_OUTPUT_TOKENS }).chat.max_tokens,
    MAX_OUTPUT_TOKENS,
  )
  assert.equal(convertCompletionsToChat({ ...body, max_tokens: null }).chat.max_tokens, 16)
  assert.equal(convertCompletionsToChat(body).chat.max_tokens, 16)
  for (const value of impossible)
    assert.throws(
      () => convertCompletionsToChat({ ...body, max_tokens: value }),
      { status: 400, code: 'invalid_parameter', param: 'max_tokens' },
      String(value),
    )
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_OUTPUT_TOKENS, validateChatCompletionRequest } from './validate-chat-request.ts'

const valid = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }

test('accepts a minimal request and passes unknown fields through', () => {
  const body = {
    ...valid,
    temperature: 0.2,
    tools: [],
    stream: true,
    stream_options: { include_usage: true },
  }
  assert.equal(validateChatCompletionRequest(body), body)
})

test('rejects bad fields with the param named', () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ messages: valid.messages }, 'model', 'missing_parameter'],
    [{ ...valid, model: 3 }, 'model', 'invalid_parameter'],
    [{ model: 'm' }, 'messages', 'missing_parameter'],
    [{ model: 'm', messages: [] }, 'messages', 'invalid_parameter'],
    [{ model: 'm', messages: ['hi'] }, 'messages[0]', 'invalid_parameter'],
    [{ model: 'm', messages: [{ content: 'x' }] }, 'messages[0].role', 'invalid_parameter'],
    [{ ...valid, stream: 'yes' }, 'stream', 'invalid_parameter'],
    [{ ...valid, stream_options: { include_usage: true } }, 'stream_options', 'invalid_parameter'],
    [{ ...valid, max_tokens: 0 }, 'max_tokens', 'invalid_parameter'],
    [{ ...valid, max_completion_tokens: 1.5 }, 'max_completion_tokens', 'invalid_parameter'],
  ]
  for (const [body, param, code] of cases) {
    assert.throws(
      () => validateChatCompletionRequest(body),
      { param, code, status: 400 },
      JSON.stringify(body),
    )
  }
})

test('output caps: an integer from 1 to MAX_OUTPUT_TOKENS, or null; anything else is a 400 naming it', () => {
  for (const field of ['max_tokens', 'max_completion_tokens']) {
    for (const value of [1, 4096, MAX_OUTPUT_TOKENS, null]) {
      assert.doesNotThrow(
        () => validateChatCompletionRequest({ ...valid, [field]: value }),
        `${field}: ${value}`,
      )
    }
    const impossible = [
      0,
      -1,
      1.5,
      MAX_OUTPUT_TOKENS + 1,
      1e15,
      2 ** 53 + 2,
      Infinity,
      Number.NaN,
      '100',
      true,
      [],
      {},
    ]
    for (const value of impossible) {
      assert.throws(
        () => validateChatCompletionRequest({ ...valid, [field]: value }),
        {
          status: 400,
          code: 'invalid_parameter',
          param: field,
          message: `Invalid value for '${field}': expected an integer from 1 to ${MAX_OUTPUT_TOKENS}.`,
        },
        `${field}: ${String(value)}`,
      )
    }
  }
})

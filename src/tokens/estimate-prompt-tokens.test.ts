import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { OpenAIChatCompletionRequest } from '../contracts/openai-wire.ts'
import { estimatePromptTokens } from './estimate-prompt-tokens.ts'

function deep(levels: number): unknown {
  let value: unknown = 'x'
  for (let level = 0; level < levels; level++) value = level % 2 === 0 ? [value] : { a: value }
  return value
}

// The tokenizer's size check measures whole contents first, so it may name the content, not the part.
test('values nested past the limit are a 400 naming the field, never a stack overflow', () => {
  const user = (content: unknown) => ({ role: 'user', content })
  const cases: [Partial<OpenAIChatCompletionRequest>, string][] = [
    [{ messages: [user('hi'), user(deep(10_000))] }, 'messages[1].content'],
    [{ messages: [user([{ type: 'text', text: 'a' }, deep(10_000)])] }, 'messages[0].content[1]'],
    [{ messages: [user([{ type: 'x', x: deep(10_000) }])] }, 'messages[0].content[0]'],
    [
      { messages: [{ role: 'assistant', content: null, tool_calls: [deep(10_000)] }] },
      'messages[0].tool_calls',
    ],
    [{ messages: [user('hi')], tools: [deep(10_000)] }, 'tools'],
    [{ messages: [user('hi')], functions: deep(10_000) }, 'functions'],
    [
      { messages: [user('hi')], response_format: { type: 'json_schema', json_schema: deep(10_000) } },
      'response_format',
    ],
  ]
  const tokenizer = (text: string) => text.length
  for (const [fields, param] of cases) {
    const request = { model: 'm', ...fields } as OpenAIChatCompletionRequest
    for (const countTokens of [undefined, tokenizer]) {
      assert.throws(
        () => estimatePromptTokens(request, countTokens),
        (error: { status?: number; code?: string; param?: string }) =>
          error.status === 400 && error.code === 'nesting_too_deep' && param.startsWith(error.param!),
        `${param}, ${countTokens === undefined ? 'estimated' : 'tokenized'}`,
      )
    }
  }
})

test('structured values are still counted by their JSON size', () => {
  const tools = [{ type: 'function', function: { name: 'f', parameters: deep(20) } }]
  const base = estimatePromptTokens({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
  const withTools = estimatePromptTokens({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools })
  assert.equal(withTools - base, Math.ceil(JSON.stringify(tools).length / 3))
})

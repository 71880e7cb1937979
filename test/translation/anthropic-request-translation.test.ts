import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { GatewayError } from '../../src/errors/gateway-error.ts'
import { adapter, target } from './anthropic-setup.ts'

describe('OpenAI request → Anthropic request', () => {
  test('system, images, tools, tool results, stop, sampling, cache hints', () => {
    const upstream = adapter.toChatCompletionRequest(
      {
        model: 'claude-sonnet',
        messages: [
          {
            role: 'system',
            content: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
          },
          { role: 'developer', content: 'Use metric units.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather and time here?' },
              { type: 'image_url', image_url: { url: 'https://example.com/city.png' } },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
              { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '14:00' }] },
          { role: 'user', content: 'Thanks' },
        ],
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Weather',
              parameters: { type: 'object', properties: { city: { type: 'string' } } },
            },
          },
          { type: 'function', function: { name: 'get_time' } },
        ],
        tool_choice: 'required',
        parallel_tool_calls: false,
        stop: 'END',
        temperature: 0.2,
        top_p: 0.9,
        max_tokens: 300,
        stream: true,
        stream_options: { include_usage: true },
      },
      target,
    )
    assert.equal(upstream.path, '/v1/messages')
    assert.equal(upstream.origin, 'https://api.anthropic.com')
    assert.deepEqual(upstream.headers, {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-secret',
    })
    assert.deepEqual(JSON.parse(upstream.body), {
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      stream: true,
      system: [
        { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Use metric units.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather and time here?' },
            { type: 'image', source: { type: 'url', url: 'https://example.com/city.png' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: '18°C' }] },
            { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '14:00' }] },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'Weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        },
        { name: 'get_time', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 0.2,
      top_p: 0.9,
    })
  })

  test('max_tokens defaults to the catalog cap; named tool_choice; reasoning_effort → thinking', () => {
    const body = JSON.parse(
      adapter.toChatCompletionRequest(
        {
          model: 'claude-sonnet',
          messages: [{ role: 'user', content: 'hi' }],
          tools: [{ type: 'function', function: { name: 'f' } }],
          tool_choice: { type: 'function', function: { name: 'f' } },
        },
        target,
      ).body,
    )
    assert.equal(body.max_tokens, 64000)
    assert.deepEqual(body.tool_choice, { type: 'tool', name: 'f' })
    const thinking = JSON.parse(
      adapter.toChatCompletionRequest(
        {
          model: 'claude-sonnet',
          messages: [{ role: 'user', content: 'hi' }],
          reasoning_effort: 'medium',
          max_tokens: 10000,
        },
        target,
      ).body,
    )
    assert.deepEqual(thinking.thinking, { type: 'enabled', budget_tokens: 8192 })
    assert.equal(thinking.max_tokens, 10000)
  })

  test('JSON schema mode is a forced tool', () => {
    const body = JSON.parse(
      adapter.toChatCompletionRequest(
        {
          model: 'claude-sonnet',
          messages: [{ role: 'user', content: 'hi' }],
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'number' } } } },
          },
        },
        target,
      ).body,
    )
    assert.deepEqual(body.tool_choice, { type: 'tool', name: 'json_response' })
    assert.deepEqual(body.tools[0].input_schema, { type: 'object', properties: { a: { type: 'number' } } })
  })

  test('files: PDFs and plain text become documents; audio and file IDs are refused', () => {
    const body = JSON.parse(
      adapter.toChatCompletionRequest(
        {
          model: 'claude-sonnet',
          messages: [
            {
              role: 'user',
              content: [
                {
                  type: 'file',
                  file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'report.pdf' },
                },
                {
                  type: 'file',
                  file: { file_data: `data:text/plain;base64,${Buffer.from('notes ✓').toString('base64')}` },
                },
                { type: 'text', text: 'Summarize', cache_control: { type: 'ephemeral' } },
              ],
            },
          ],
        },
        target,
      ).body,
    )
    assert.deepEqual(body.messages[0].content, [
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' },
        title: 'report.pdf',
      },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes ✓' } },
      { type: 'text', text: 'Summarize', cache_control: { type: 'ephemeral' } },
    ])
    const refused = (content: unknown[]) =>
      assert.throws(
        () => adapter.toChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content }] }, target),
        (error: GatewayError) =>
          error.code === 'unsupported_parameter' && error.param === 'messages[0].content[0]',
      )
    refused([{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }])
    refused([{ type: 'file', file: { file_id: 'file-abc' } }])
    refused([{ type: 'file', file: { file_data: 'data:application/zip;base64,UEs=' } }])
  })

  test('what Anthropic cannot take is a 400 naming the field', () => {
    const refuse = (request: Record<string, unknown>, code: string, param: string) =>
      assert.throws(
        () =>
          adapter.toChatCompletionRequest(
            { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...request },
            target,
          ),
        (error: GatewayError) => error.code === code && error.param === param && error.status === 400,
      )
    refuse({ temperature: 1.5 }, 'invalid_parameter', 'temperature')
    refuse({ audio: { voice: 'x' } }, 'unsupported_parameter', 'audio')
    refuse({ n: 2 }, 'unsupported_parameter', 'n')
    refuse(
      { messages: [{ role: 'user', content: [{ type: 'input_video', video: {} }] }] },
      'unsupported_parameter',
      'messages[0].content[0]',
    )
    refuse({ reasoning_effort: 'high', max_tokens: 1000 }, 'invalid_parameter', 'max_tokens')
    refuse(
      {
        messages: [
          {
            role: 'assistant',
            content: 'x',
            tool_calls: [{ id: 'c', function: { name: 'f', arguments: '[1' } }],
          },
        ],
      },
      'invalid_parameter',
      'messages[0].tool_calls[0].function.arguments',
    )
  })
})

describe('Anthropic errors', () => {
  test('529 overloaded is retryable; 401 is an auth failure that never echoes the upstream text', () => {
    const overloaded = adapter.toGatewayError(
      529,
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      {},
      target,
    )
    assert.equal(overloaded.code, 'upstream_error')
    assert.equal(overloaded.retryable, true)
    const auth = adapter.toGatewayError(
      401,
      '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key sk-ant-secret"}}',
      {},
      target,
    )
    assert.equal(auth.code, 'upstream_auth_failed')
    assert.ok(!auth.message.includes('sk-ant'))
    const bad = adapter.toGatewayError(
      400,
      '{"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}}',
      {},
      target,
    )
    assert.equal(bad.code, 'invalid_parameter')
    assert.match(bad.message, /roles must alternate/)
  })
})

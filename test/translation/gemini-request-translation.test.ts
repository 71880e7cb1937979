import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { GatewayError } from '../../src/errors/gateway-error.ts'
import { adapter, target } from './gemini-setup.ts'

describe('OpenAI request → Gemini request', () => {
  test('roles, system instruction, images, tools, tool results, generation config', () => {
    const upstream = adapter.toChatCompletionRequest(
      {
        model: 'gemini-flash',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather?' },
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_9',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_9', content: '{"temperature":18}' },
          { role: 'tool_placeholder_never_sent', content: '' },
        ].slice(0, 4),
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              parameters: {
                type: 'object',
                properties: { city: { type: 'string' } },
                additionalProperties: false,
              },
            },
          },
        ],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        max_tokens: 200,
        stop: ['END'],
        temperature: 1.4,
        top_p: 0.5,
        seed: 7,
        response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
        reasoning_effort: 'low',
        stream: true,
        stream_options: { include_usage: true },
      },
      target,
    )
    assert.equal(upstream.origin, 'https://generativelanguage.googleapis.com')
    assert.equal(upstream.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
    assert.equal(upstream.headers['x-goog-api-key'], 'AIzaSy-secret-key')
    assert.equal(upstream.headers.authorization, undefined)
    assert.deepEqual(JSON.parse(upstream.body), {
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [
        {
          role: 'user',
          parts: [{ text: 'Weather?' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } }],
        },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 18 } } }],
        },
      ],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              parametersJsonSchema: {
                type: 'object',
                properties: { city: { type: 'string' } },
                additionalProperties: false,
              },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
      generationConfig: {
        maxOutputTokens: 200,
        stopSequences: ['END'],
        temperature: 1.4,
        topP: 0.5,
        seed: 7,
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object' },
        thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
      },
    })
    const nonStream = adapter.toChatCompletionRequest(
      { model: 'm', messages: [{ role: 'user', content: 'x' }] },
      target,
    )
    assert.equal(nonStream.path, '/v1beta/models/gemini-2.5-flash:generateContent')
  })

  test('files and audio go inline', () => {
    const body = JSON.parse(
      adapter.toChatCompletionRequest(
        {
          model: 'gemini-flash',
          messages: [
            {
              role: 'user',
              content: [
                {
                  type: 'file',
                  file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'r.pdf' },
                },
                { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
              ],
            },
          ],
        },
        target,
      ).body,
    )
    assert.deepEqual(body.contents[0].parts, [
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0x' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
    ])
  })

  test('a tool result for an unknown call and an http image URL are refused clearly', () => {
    assert.throws(
      () =>
        adapter.toChatCompletionRequest(
          {
            model: 'm',
            messages: [
              { role: 'user', content: 'x' },
              { role: 'tool', tool_call_id: 'nope', content: 'r' },
            ],
          },
          target,
        ),
      (error: GatewayError) => error.param === 'messages[1].tool_call_id',
    )
    assert.throws(
      () =>
        adapter.toChatCompletionRequest(
          {
            model: 'm',
            messages: [
              {
                role: 'user',
                content: [{ type: 'image_url', image_url: { url: 'http://example.com/a.png' } }],
              },
            ],
          },
          target,
        ),
      (error: GatewayError) => error.code === 'unsupported_parameter',
    )
  })
})

describe('Gemini errors and embeddings', () => {
  test('400 API_KEY_INVALID is an auth failure; 429 a rate limit; 503 retryable', () => {
    const invalidKey = adapter.toGatewayError(
      400,
      '{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}',
      {},
      target,
    )
    assert.equal(invalidKey.code, 'upstream_auth_failed')
    assert.equal(
      adapter.toGatewayError(429, '{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}', {}, target).code,
      'upstream_rate_limited',
    )
    assert.equal(
      adapter.toGatewayError(503, '{"error":{"code":503,"status":"UNAVAILABLE"}}', {}, target).retryable,
      true,
    )
    const bad = adapter.toGatewayError(
      400,
      '{"error":{"code":400,"message":"Invalid JSON payload received.","status":"INVALID_ARGUMENT"}}',
      {},
      target,
    )
    assert.equal(bad.code, 'invalid_parameter')
  })

  test('embeddings: batchEmbedContents in, OpenAI list out', () => {
    const upstream = adapter.toEmbeddingsRequest!(
      { model: 'e', input: ['a', 'bb'], dimensions: 3 },
      { ...target, upstreamModel: 'gemini-embedding-001' },
    )
    assert.equal(upstream.path, '/v1beta/models/gemini-embedding-001:batchEmbedContents')
    assert.deepEqual(JSON.parse(upstream.body), {
      requests: [
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'a' }] },
          outputDimensionality: 3,
        },
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'bb' }] },
          outputDimensionality: 3,
        },
      ],
    })
    const converted = upstream.translate!({
      embeddings: [{ values: [0.1, -0.2, 0.3] }, { values: [1, 2, 3] }],
    })!
    assert.deepEqual(
      converted.data.map((item) => item.embedding),
      [
        [0.1, -0.2, 0.3],
        [1, 2, 3],
      ],
    )
    assert.equal(
      upstream.translate!({ embeddings: [{ values: [1] }] }),
      undefined,
      'a count mismatch is refused',
    )
  })
})

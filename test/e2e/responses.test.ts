import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import { startFakeAnthropic } from '../fakes/fake-anthropic.ts'
import { startFakeGemini } from '../fakes/fake-gemini.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  anthropicProvider,
  geminiProvider,
  type Json,
  readJson,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const WEATHER_TOOL: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string' } },
    required: ['location'],
    additionalProperties: false,
  },
  strict: true,
}

/** Stream events are validated as their own event schemas (the union has no discriminator in the spec). */
const EVENT_SCHEMAS: Record<string, string> = {
  'response.created': 'ResponseCreatedEvent',
  'response.in_progress': 'ResponseInProgressEvent',
  'response.completed': 'ResponseCompletedEvent',
  'response.incomplete': 'ResponseIncompleteEvent',
  'response.output_item.added': 'ResponseOutputItemAddedEvent',
  'response.output_item.done': 'ResponseOutputItemDoneEvent',
  'response.content_part.added': 'ResponseContentPartAddedEvent',
  'response.content_part.done': 'ResponseContentPartDoneEvent',
  'response.output_text.delta': 'ResponseTextDeltaEvent',
  'response.output_text.done': 'ResponseTextDoneEvent',
  'response.function_call_arguments.delta': 'ResponseFunctionCallArgumentsDeltaEvent',
  'response.function_call_arguments.done': 'ResponseFunctionCallArgumentsDoneEvent',
}

describe('/v1/responses through chat, on every upstream', () => {
  let anthropic: FakeProviderServer
  let gemini: FakeProviderServer
  let gateway: TestGateway
  let client: OpenAI
  before(async () => {
    anthropic = await startFakeAnthropic()
    gemini = await startFakeGemini()
    gateway = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }, anthropicProvider(anthropic.url), geminiProvider(gemini.url)],
      models: [
        {
          id: 'echo',
          offers: [{ lane: 'resale', provider: 'sim', model: 'sim-echo', price: { input: 1, output: 2 } }],
        },
        {
          id: 'claude',
          // Claude reads PDFs (as `document` blocks): the catalog says so.
          modalities: { input: ['text', 'image', 'file'] },
          offers: [
            {
              lane: 'resale',
              provider: 'claude',
              model: 'claude-haiku-4-5',
              price: { input: 1, output: 5 },
            },
          ],
        },
        {
          id: 'gemini',
          offers: [
            {
              lane: 'resale',
              provider: 'google',
              model: 'gemini-2.5-flash',
              price: { input: 0.3, output: 2.5 },
            },
          ],
        },
      ],
      workspaces: { default_lane: 'resale' },
    })
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.apiKey, maxRetries: 0 })
  })
  after(async () => {
    await gateway?.close()
    await anthropic?.close()
    await gemini?.close()
  })

  for (const model of ['echo', 'claude', 'gemini']) {
    test(`${model}: non-stream with instructions; output_text, usage and cost`, async () => {
      const response = await client.responses.create({
        model,
        instructions: 'Be brief.',
        input: 'hello responses',
      })
      assertMatchesOpenAISchema('Response', JSON.parse(JSON.stringify(response)))
      assert.equal(response.status, 'completed')
      assert.equal(response.output_text, 'You said: hello responses')
      assert.equal(response.usage!.output_tokens, 4)
      assert.ok(response.usage!.input_tokens > 0)
      assert.match(response.id, /^resp_/)
      assert.ok((response.usage as unknown as { cost: number }).cost > 0)
    })

    test(`${model}: stream events in OpenAI's order, validated`, async () => {
      const stream = await client.responses.create({
        model,
        input: [{ role: 'user', content: 'stream some words' }],
        stream: true,
      })
      const types: string[] = []
      let text = ''
      let completed: OpenAI.Responses.Response | undefined
      let sequence = -1
      for await (const event of stream) {
        assertMatchesOpenAISchema(
          EVENT_SCHEMAS[event.type] ?? 'ResponseStreamEvent',
          JSON.parse(JSON.stringify(event)),
        )
        assert.equal(event.sequence_number, sequence + 1)
        sequence = event.sequence_number
        types.push(event.type)
        if (event.type === 'response.output_text.delta') text += event.delta
        if (event.type === 'response.completed') completed = event.response
      }
      assert.equal(text, 'You said: stream some words')
      assert.deepEqual(
        types.filter((type) => !type.endsWith('.delta')),
        [
          'response.created',
          'response.in_progress',
          'response.output_item.added',
          'response.content_part.added',
          'response.output_text.done',
          'response.content_part.done',
          'response.output_item.done',
          'response.completed',
        ],
      )
      assert.equal(completed!.usage!.output_tokens, 5)
      assert.equal(
        (completed!.output[0] as OpenAI.Responses.ResponseOutputMessage).content[0]!.type,
        'output_text',
      )
    })

    test(`${model}: max_output_tokens → status incomplete`, async () => {
      const response = await client.responses.create({
        model,
        input: 'one two three four five',
        max_output_tokens: 2,
      })
      assert.equal(response.status, 'incomplete')
      assert.equal(response.incomplete_details?.reason, 'max_output_tokens')
      assert.equal(response.output_text, 'You said:')
    })
  }

  for (const model of ['claude', 'gemini']) {
    for (const stream of [false, true]) {
      test(`${model}: function call round trip with input items (${stream ? 'stream' : 'non-stream'})`, async () => {
        const input: OpenAI.Responses.ResponseInput = [
          { role: 'user', content: [{ type: 'input_text', text: 'What is the weather in Paris?' }] },
        ]
        let call: OpenAI.Responses.ResponseFunctionToolCall | undefined
        if (stream) {
          const events = await client.responses.create({ model, input, tools: [WEATHER_TOOL], stream: true })
          let args = ''
          for await (const event of events) {
            assertMatchesOpenAISchema(
              EVENT_SCHEMAS[event.type] ?? 'ResponseStreamEvent',
              JSON.parse(JSON.stringify(event)),
            )
            if (event.type === 'response.function_call_arguments.delta') args += event.delta
            if (event.type === 'response.output_item.done' && event.item.type === 'function_call')
              call = event.item
          }
          assert.equal(args, call!.arguments)
        } else {
          const response = await client.responses.create({ model, input, tools: [WEATHER_TOOL] })
          assertMatchesOpenAISchema('Response', JSON.parse(JSON.stringify(response)))
          call = response.output.find((item) => item.type === 'function_call')
        }
        assert.equal(call!.name, 'get_weather')
        assert.deepEqual(JSON.parse(call!.arguments), { location: 'Paris' })
        const followUp = await client.responses.create({
          model,
          tools: [WEATHER_TOOL],
          input: [
            ...input,
            { type: 'function_call', call_id: call!.call_id, name: call!.name, arguments: call!.arguments },
            { type: 'function_call_output', call_id: call!.call_id, output: '{"temperature_c":18}' },
          ],
        })
        assert.match(followUp.output_text, /^The tool said: .*18/)
      })
    }
  }

  test('an inline file in the input reaches Anthropic as a document', async () => {
    const response = await client.responses.create({
      model: 'claude',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' },
            { type: 'input_text', text: 'read it' },
          ],
        },
      ],
    })
    assert.equal(response.output_text, 'You said: read it')
    const content = ((anthropic.calls.at(-1)!.body.messages as Json[])[0] as Json).content as Json[]
    assert.deepEqual(content[0], {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' },
      title: 'a.pdf',
    })
  })

  test('what needs stored responses or built-in tools is a 400 naming the field', async () => {
    const cases: [Json, string][] = [
      [{ model: 'echo', input: 'x', previous_response_id: 'resp_1' }, 'previous_response_id'],
      [{ model: 'echo', input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0]'],
      [{ model: 'echo', input: [{ type: 'item_reference', id: 'x' }] }, 'input[0]'],
      [{ model: 'echo' }, 'input'],
    ]
    for (const [body, param] of cases) {
      const response = await gateway.post('/v1/responses', body)
      assert.equal(response.status, 400)
      const error: Json = await readJson(response)
      assert.equal(error.error.param, param)
    }
  })

  test('the strict fakes refused nothing', () => {
    assert.deepEqual(anthropic.rejections, [])
    assert.deepEqual(gemini.rejections, [])
  })
})

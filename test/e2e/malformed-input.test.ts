/**
 * A corpus of malformed requests, generated from templates: every field of each endpoint's body
 * with every wrong type, huge values and sizes, 10,000-level nesting, bad encodings, truncated
 * JSON and wrong content types, sent to `/v1/chat/completions`, `/v1/completions`,
 * `/v1/responses`, `/v1/embeddings` and `/v1/quote`. None may get a 5xx; every refusal is
 * OpenAI's error envelope; every answer arrives in time; the gateway still serves afterwards.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startFakeAnthropic } from '../fakes/fake-anthropic.ts'
import { startFakeGemini } from '../fakes/fake-gemini.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import {
  anthropicProvider,
  geminiProvider,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

/** Each answer must arrive within this (a shared CI machine, hundreds of requests in flight). */
const ANSWER_TIMEOUT_MS = 15_000
const CONCURRENCY = 8
const DEPTH = 10_000

/** Stands for the value under test in a template; replaced by raw JSON text. */
const HOLE = '@@hole@@'

/** Wrong values as raw JSON text, so numbers JSON cannot round-trip (`1e999`) can be sent. */
const WRONG_VALUES: Record<string, string> = {
  null: 'null',
  zero: '0',
  negative: '-1',
  fraction: '1.5',
  huge: '1e15',
  'past safe integers': '9007199254740993',
  infinity: '1e999',
  'empty string': '""',
  'NaN string': '"NaN"',
  true: 'true',
  'empty array': '[]',
  'array of null': '[null]',
  'empty object': '{}',
  object: '{"a":1,"type":1,"text":[],"url":{}}',
  'long string': JSON.stringify('x'.repeat(64 * 1024)),
  'deep array': `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`,
  'deep object': `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`,
  'deep mixed': `${'[{"x":'.repeat(DEPTH / 2)}0${'}]'.repeat(DEPTH / 2)}`,
}

/** Field names that are not request fields at all, some of them special to JavaScript objects. */
const STRANGE_FIELDS = ['x_unknown', '__proto__', 'constructor']

interface Variant {
  name: string
  path: string
  body: string | Uint8Array
  contentType?: string
}

/**
 * Every value of WRONG_VALUES in the hole of every template, sent to `path`. With several models
 * the model turns with slot and value, so each slot meets each model (and so each provider's
 * translation) without sending every variant to every model.
 */
function fill(
  path: string,
  models: readonly string[],
  templatesFor: (model: string) => Record<string, unknown>,
  only?: (slot: string) => boolean,
): Variant[] {
  const templates = models.map(templatesFor)
  const slots = Object.keys(templates[0]!).filter((slot) => only === undefined || only(slot))
  const values = Object.entries(WRONG_VALUES)
  const variants: Variant[] = []
  slots.forEach((slot, slotIndex) => {
    values.forEach(([valueName, raw], valueIndex) => {
      const turn = (slotIndex + valueIndex) % models.length
      const text = JSON.stringify(templates[turn]![slot])
      variants.push({
        name: `${path} (${models[turn]}) ${slot} = ${valueName}`,
        path,
        body: text.replace(`"${HOLE}"`, raw),
      })
    })
  })
  return variants
}

/** `{...base, field: HOLE}` for every field, keyed by field name. */
function topLevel(base: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const templates: Record<string, unknown> = {}
  for (const field of [...fields, ...STRANGE_FIELDS]) {
    // `{ ...base, __proto__: x }` would set the prototype, not a field: define the property.
    const template = { ...base }
    Object.defineProperty(template, field, { value: HOLE, enumerable: true })
    templates[field] = template
  }
  return templates
}

const CHAT_FIELDS = [
  'model',
  'messages',
  'tools',
  'tool_choice',
  'functions',
  'function_call',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stream',
  'stream_options',
  'n',
  'stop',
  'response_format',
  'seed',
  'user',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'parallel_tool_calls',
  'reasoning_effort',
  'metadata',
  'models',
  'provider',
  'byok_conf',
  'usage',
]

function chatTemplates(model: string): Record<string, unknown> {
  const user = (message: Record<string, unknown>) => ({
    model,
    messages: [{ role: 'user', content: 'hi', ...message }],
  })
  const tool = (fn: Record<string, unknown>) => ({
    model,
    messages: [{ role: 'user', content: 'hi' }],
    tools: [{ type: 'function', function: { name: 'f', ...fn } }],
  })
  return {
    ...topLevel({ model, messages: [{ role: 'user', content: 'hi' }] }, CHAT_FIELDS),
    'messages[0]': { model, messages: [HOLE] },
    'messages[1]': { model, messages: [{ role: 'user', content: 'hi' }, HOLE] },
    'messages[0].role': user({ role: HOLE }),
    'messages[0].content': user({ content: HOLE }),
    'messages[0].name': user({ name: HOLE }),
    'messages[0].tool_calls': { model, messages: [{ role: 'assistant', content: 'x', tool_calls: HOLE }] },
    'messages[0].tool_calls[0].function': {
      model,
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: HOLE }] },
      ],
    },
    'messages[0].tool_call_id': { model, messages: [{ role: 'tool', content: 'x', tool_call_id: HOLE }] },
    'messages[0].content[0]': user({ content: [HOLE] }),
    'messages[0].content[0].type': user({ content: [{ type: HOLE, text: 'x' }] }),
    'messages[0].content[0].text': user({ content: [{ type: 'text', text: HOLE }] }),
    'messages[0].content[0].image_url': user({ content: [{ type: 'image_url', image_url: HOLE }] }),
    'tools[0]': { model, messages: [{ role: 'user', content: 'hi' }], tools: [HOLE] },
    'tools[0].function.name': tool({ name: HOLE }),
    'tools[0].function.parameters': tool({ parameters: HOLE }),
    'response_format.json_schema': {
      model,
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_schema', json_schema: HOLE },
    },
  }
}

const QUOTE_SLOTS = /^(model|messages|messages\[0\]\.content.*|tools.*|max_.*|response_format.*|x_unknown)$/

const COMPLETIONS_FIELDS = [
  'model',
  'prompt',
  'max_tokens',
  'n',
  'best_of',
  'echo',
  'suffix',
  'logprobs',
  'stream',
  'stream_options',
  'stop',
  'temperature',
  'user',
]

const RESPONSES_FIELDS = [
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'stream',
  'text',
  'reasoning',
  'metadata',
  'include',
  'previous_response_id',
]

function responsesTemplates(model: string): Record<string, unknown> {
  const message = (fields: Record<string, unknown>) => ({
    model,
    input: [{ role: 'user', content: 'hi', ...fields }],
  })
  return {
    ...topLevel({ model, input: 'hi' }, RESPONSES_FIELDS),
    'input[0]': { model, input: [HOLE] },
    'input[0].role': message({ role: HOLE }),
    'input[0].content': message({ content: HOLE }),
    'input[0].content[0].text': message({ content: [{ type: 'input_text', text: HOLE }] }),
    'input[0].output': { model, input: [{ type: 'function_call_output', call_id: 'c', output: HOLE }] },
    'tools[0].parameters': { model, input: 'hi', tools: [{ type: 'function', name: 'f', parameters: HOLE }] },
    'text.format': { model, input: 'hi', text: { format: HOLE } },
  }
}

const EMBEDDINGS_FIELDS = ['model', 'input', 'encoding_format', 'dimensions', 'user']

/** `valid` (which has one `"hi"`) as bytes, with `middle` spliced into that string. */
function withBytes(valid: string, middle: number[]): Uint8Array {
  const [before, after] = valid.split('"hi"') as [string, string]
  return Buffer.concat([Buffer.from(`${before}"a`), Buffer.from(middle), Buffer.from(`b"${after}`)])
}

/** Bodies that are broken as bytes or as JSON, the same for every endpoint. */
function encodingVariants(path: string, valid: string): Variant[] {
  const bodies: Record<string, string | Uint8Array> = {
    empty: '',
    whitespace: ' \n\t ',
    'byte order mark': `\uFEFF${valid}`,
    'invalid UTF-8 in a string': withBytes(valid, [0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
    'invalid UTF-8 outside strings': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid)]),
    'lone surrogate escape': valid.replace('"hi"', '"\\ud800\\udfff\\ud800"'),
    'raw control characters': valid.replace('"hi"', '"a\u0000\u0001\nb"'),
    'duplicate keys': valid.replace('{', '{"model":1,'),
    null: 'null',
    array: '[{}]',
    string: '"hi"',
    number: '1',
    'unbalanced close': `${valid}]}`,
    'deep at top level': `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`,
    'deep unterminated': '['.repeat(DEPTH * 10),
    'deep braces in a string': valid.replace('"hi"', JSON.stringify('{['.repeat(DEPTH))),
    'escaped quotes before depth': valid.replace('"hi"', `"\\\\\\"${'['.repeat(200)}"`),
  }
  for (let cut = 1; cut < valid.length; cut += Math.max(1, Math.floor(valid.length / 12)))
    bodies[`truncated at ${cut}`] = valid.slice(0, cut)
  const variants: Variant[] = Object.entries(bodies).map(([name, body]) => ({
    name: `${path} ${name}`,
    path,
    body,
  }))
  for (const contentType of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ])
    variants.push({ name: `${path} content-type ${contentType}`, path, body: valid, contentType })
  variants.push({
    name: `${path} form body`,
    path,
    body: 'model=echo&input=hi',
    contentType: 'application/x-www-form-urlencoded',
  })
  return variants
}

function corpus(): Variant[] {
  const hugeContent = JSON.stringify({
    model: 'echo',
    messages: [{ role: 'user', content: 'é'.repeat(1_900_000) }],
  })
  const manyMessages = JSON.stringify({
    model: 'echo',
    messages: Array.from({ length: 20_000 }, () => ({ role: 'user', content: 'x' })),
  })
  const manyParts = JSON.stringify({
    model: 'echo',
    messages: [
      { role: 'user', content: Array.from({ length: 20_000 }, () => ({ type: 'text', text: 'x' })) },
    ],
  })
  const wideObject = `{"model":"echo","messages":[{"role":"user","content":"hi"}],"x":{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(',')}}}`
  return [
    ...fill('/v1/chat/completions', ['echo', 'claude', 'gemini'], chatTemplates),
    // The quote reads the model, the prompt (for its estimate) and the output caps.
    ...fill('/v1/quote', ['echo'], chatTemplates, (slot) => QUOTE_SLOTS.test(slot)),
    ...fill('/v1/completions', ['echo'], (model) => ({
      ...topLevel({ model, prompt: 'hi' }, COMPLETIONS_FIELDS),
      'prompt[0]': { model, prompt: [HOLE] },
    })),
    ...fill('/v1/responses', ['echo', 'claude'], responsesTemplates),
    ...fill('/v1/embeddings', ['embed'], (model) => ({
      ...topLevel({ model, input: 'hi' }, EMBEDDINGS_FIELDS),
      'input[0]': { model, input: [HOLE] },
    })),
    ...encodingVariants(
      '/v1/chat/completions',
      '{"model":"echo","messages":[{"role":"user","content":"hi"}]}',
    ),
    ...encodingVariants('/v1/quote', '{"model":"echo","messages":[{"role":"user","content":"hi"}]}'),
    ...encodingVariants('/v1/completions', '{"model":"echo","prompt":"hi"}'),
    ...encodingVariants('/v1/responses', '{"model":"echo","input":"hi"}'),
    ...encodingVariants('/v1/embeddings', '{"model":"embed","input":"hi"}'),
    ...['/v1/chat/completions', '/v1/quote'].flatMap((path) => [
      { name: `${path} 3.8 MB content`, path, body: hugeContent },
      { name: `${path} 20,000 messages`, path, body: manyMessages },
      { name: `${path} 20,000 content parts`, path, body: manyParts },
      { name: `${path} 20,000 keys in an unknown field`, path, body: wideObject },
    ]),
  ]
}

/** What went wrong with one answer, or undefined when it is acceptable. */
async function problemWith(gateway: TestGateway, variant: Variant): Promise<string | undefined> {
  let response: Response
  let text: string
  try {
    response = await fetch(`${gateway.url}${variant.path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${gateway.apiKey}`,
        'content-type': variant.contentType ?? 'application/json',
      },
      body: variant.body,
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    })
    text = await response.text()
  } catch (error) {
    return `no answer: ${(error as Error).message}`
  }
  if (response.status >= 500) return `status ${response.status}: ${text.slice(0, 300)}`
  if (/"code":"internal_error"/.test(text)) return `an internal error inside a ${response.status}`
  if (response.status < 400) return undefined
  let body: { error?: Record<string, unknown> }
  try {
    body = JSON.parse(text)
  } catch {
    return `status ${response.status} with a non-JSON body: ${text.slice(0, 200)}`
  }
  const error = body.error
  if (
    error === undefined ||
    Object.keys(body).length !== 1 ||
    typeof error.message !== 'string' ||
    typeof error.type !== 'string' ||
    !(typeof error.param === 'string' || error.param === null) ||
    !(typeof error.code === 'string' || error.code === null)
  )
    return `status ${response.status} without OpenAI's error envelope: ${text.slice(0, 200)}`
  if (/\n\s+at /.test(error.message)) return 'a stack trace in the message'
  return undefined
}

describe('malformed input: never a 500, always the error envelope, in time', () => {
  let anthropic: FakeProviderServer
  let gemini: FakeProviderServer
  let gateway: TestGateway
  before(async () => {
    anthropic = await startFakeAnthropic()
    gemini = await startFakeGemini()
    const price = { input: 0.01, output: 0.01 }
    gateway = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }, anthropicProvider(anthropic.url), geminiProvider(gemini.url)],
      models: [
        // No output cap and no context length: `max_tokens` alone bounds the hold.
        { id: 'echo', offers: [{ lane: 'resale', provider: 'sim', model: 'sim-echo', price }] },
        { id: 'claude', offers: [{ lane: 'resale', provider: 'claude', model: 'claude-haiku-4-5', price }] },
        { id: 'gemini', offers: [{ lane: 'resale', provider: 'google', model: 'gemini-2.5-flash', price }] },
        {
          id: 'embed',
          modalities: { input: ['text'], output: ['embedding'] },
          offers: [{ lane: 'resale', provider: 'sim', model: 'sim-embed', price }],
        },
      ],
      workspaces: { default_lane: 'resale' },
      // No rate limit may hide a 500 behind a 429 (a 1e15-token cap once broke the hold arithmetic).
      limits: {
        default_tier: 'unlimited',
        tiers: { unlimited: { rpm: 1_000_000, tpm: Number.MAX_SAFE_INTEGER, concurrency: 100_000 } },
      },
    })
  })
  after(async () => {
    await gateway?.close()
    await anthropic?.close()
    await gemini?.close()
  })

  test('every variant: under 500, the error envelope when refused, in time, no fault logged', async () => {
    const variants = corpus()
    const problems: string[] = []
    let next = 0
    const worker = async () => {
      while (next < variants.length) {
        const variant = variants[next++]!
        const problem = await problemWith(gateway, variant)
        if (problem !== undefined) problems.push(`${variant.name}: ${problem}`)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    assert.ok(variants.length > 1000, `${variants.length} variants`)
    assert.deepEqual(problems.slice(0, 30), [], `${problems.length} of ${variants.length} variants failed`)
    const errors = gateway.logs.filter((line) => line.level === 'error')
    assert.deepEqual(errors.slice(0, 5), [], 'no gateway fault logged')
  })

  test('deep bodies are refused when read, naming the limit; impossible output caps name the field', async () => {
    const deep = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`
    const bodies: [string, string][] = [
      ['/v1/chat/completions', `{"model":"echo","messages":[{"role":"user","content":${deep}}]}`],
      ['/v1/completions', `{"model":"echo","prompt":"hi","x":${deep}}`],
      ['/v1/responses', `{"model":"echo","input":"hi","tools":${deep}}`],
      ['/v1/embeddings', `{"model":"embed","input":${deep}}`],
      ['/v1/quote', `{"model":"echo","messages":[{"role":"user","content":"hi"}],"tools":${deep}}`],
    ]
    for (const [path, body] of bodies) {
      const response = await gateway.post(path, body)
      assert.equal(response.status, 400, path)
      const { error } = (await response.json()) as { error: Record<string, unknown> }
      assert.equal(error.code, 'nesting_too_deep', path)
      assert.equal(error.type, 'invalid_request_error', path)
      assert.match(String(error.message), /deeper than 100 levels/, path)
    }
    const messages = [{ role: 'user', content: 'hi' }]
    const caps: [string, Record<string, unknown>, string][] = [
      ['/v1/chat/completions', { model: 'echo', messages, max_tokens: 1e15 }, 'max_tokens'],
      [
        '/v1/chat/completions',
        { model: 'claude', messages, max_completion_tokens: 10_000_001 },
        'max_completion_tokens',
      ],
      ['/v1/quote', { model: 'echo', messages, max_tokens: 1e15 }, 'max_tokens'],
      ['/v1/completions', { model: 'echo', prompt: 'hi', max_tokens: '16' }, 'max_tokens'],
      ['/v1/responses', { model: 'echo', input: 'hi', max_output_tokens: 2 ** 53 }, 'max_output_tokens'],
    ]
    for (const [path, body, param] of caps) {
      const response = await gateway.post(path, body)
      assert.equal(response.status, 400, `${path} ${param}`)
      const { error } = (await response.json()) as { error: Record<string, unknown> }
      assert.deepEqual([error.code, error.param], ['invalid_parameter', param], path)
    }
  })

  test('the gateway still answers normal requests afterwards', async () => {
    const messages = [{ role: 'user', content: 'still there?' }]
    const calls: [string, unknown][] = [
      ['/v1/chat/completions', { model: 'echo', messages, max_tokens: 9_999_999 }],
      ['/v1/chat/completions', { model: 'claude', messages }],
      ['/v1/chat/completions', { model: 'gemini', messages }],
      ['/v1/completions', { model: 'echo', prompt: 'still there?' }],
      ['/v1/responses', { model: 'echo', input: 'still there?' }],
      ['/v1/embeddings', { model: 'embed', input: 'still there?' }],
      ['/v1/quote', { model: 'echo', messages, max_tokens: 10_000_000 }],
    ]
    for (const [path, body] of calls) {
      const response = await gateway.post(path, body)
      assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`)
      await response.text()
    }
  })
})

/**
 * The corpus of malformed requests for `test/e2e/malformed-input.test.ts`, generated from
 * templates: every field of each endpoint's body with every wrong type, huge values and sizes,
 * 10,000-level nesting, bad encodings, truncated JSON and wrong content types, for
 * `/v1/chat/completions` (against the echo, Claude and Gemini models), `/v1/completions`,
 * `/v1/responses`, `/v1/embeddings` and `/v1/quote`.
 *
 * @module
 */

/** Nesting depth of the deep bodies (far past the gateway's bound). */
export const DEPTH = 10_000

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

/** One malformed request: where it goes, its raw body and (when not JSON) its content type. */
export interface Variant {
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

/** Every malformed request of the corpus (well over a thousand), named for failure messages. */
export function corpus(): Variant[] {
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

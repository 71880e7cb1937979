/**
 * Malformed input end to end: the corpus of `test/helpers/malformed-corpus.ts` (every field with
 * every wrong type, huge values and sizes, 10,000-level nesting, bad encodings, truncated JSON,
 * wrong content types) sent to `/v1/chat/completions`, `/v1/completions`, `/v1/responses`,
 * `/v1/embeddings` and `/v1/quote`. None may get a 5xx; every refusal is OpenAI's error
 * envelope; every answer arrives in time; deep bodies and impossible output caps are refused
 * naming the limit or the field; the gateway still serves afterwards.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startFakeAnthropic } from '../fakes/fake-anthropic.ts'
import { startFakeGemini } from '../fakes/fake-gemini.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import { corpus, DEPTH, type Variant } from '../helpers/malformed-corpus.ts'
import {
  anthropicProvider,
  geminiProvider,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

/** Each answer must arrive within this (a shared CI machine, hundreds of requests in flight). */
const ANSWER_TIMEOUT_MS = 15_000
const CONCURRENCY = 8

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

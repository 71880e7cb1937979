/**
 * `n` (and legacy `best_of`) in holds and TPM admission: a request asking for five choices
 * reserves five output caps, so a balance that covers one choice is a 402 before any upstream
 * call (never an answer charged less than its usage), the full usage is charged when the balance
 * covers the hold, and a TPM limit counts every choice. Issue 15, finding 3.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import { fakeProvider, offer, readJson, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

// "hi" is estimated at 3 + 4 + 1 = 8 prompt tokens; at $1/1M in and out a token is 1000 nano-USD.
const messages = [{ role: 'user', content: 'hi' }]
const MAX_TOKENS = 10
const CHOICES = 5
/** One choice's hold: 8 prompt + 10 output tokens. */
const ONE_CHOICE_NANO = (8 + MAX_TOKENS) * 1000
/** Five choices' hold, and the cost of the fake's answer (its usage is exactly that). */
const FIVE_CHOICES_NANO = (8 + CHOICES * MAX_TOKENS) * 1000

const fiveChoiceUsage = {
  prompt_tokens: 8,
  completion_tokens: CHOICES * MAX_TOKENS,
  total_tokens: 8 + CHOICES * MAX_TOKENS,
}

function fiveChoiceCompletion(): Record<string, unknown> {
  return {
    ...chatCompletionBody('ok', 'm', fiveChoiceUsage),
    choices: Array.from({ length: CHOICES }, (_, index) => ({
      index,
      message: { role: 'assistant', content: `answer ${index}`, refusal: null },
      logprobs: null,
      finish_reason: 'length',
    })),
  }
}

const NATIVE_ANSWER = {
  id: 'cmpl-native1',
  object: 'text_completion',
  created: 1_790_000_000,
  model: 'gpt-3.5-turbo-instruct',
  choices: [{ text: ' native text', index: 0, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 },
}

async function settled(gateway: TestGateway): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if ((await gateway.store.ledger.balance(gateway.workspaceId)).heldNano === 0) return
    await sleep(25)
  }
  assert.fail('timed out waiting for the settlement')
}

describe('n: the hold counts every choice', () => {
  let chat: FakeUpstream
  let native: FakeUpstream
  let gateway: TestGateway
  const topUp = (nano: number, key: string) =>
    gateway.gateway.billing.topUp({
      workspaceId: gateway.workspaceId,
      amountNano: nano,
      idempotencyKey: key,
      actor: 'test',
      kind: 'adjustment',
    })

  before(async () => {
    chat = await startFakeUpstream({ kind: 'json', body: fiveChoiceCompletion() })
    native = await startFakeUpstream({ kind: 'json', body: NATIVE_ANSWER })
    gateway = await startTestGateway(
      {
        providers: [
          fakeProvider('fake', chat.baseUrl),
          fakeProvider('oai', native.baseUrl, {
            kind: 'openai',
            accounts: [{ name: 'a', api_key_env: 'FAKE_KEY_A', trust: 'official' }],
          }),
        ],
        models: [
          { id: 'm', offers: [offer('fake', { price: { input: '1', output: '1' }, published: true })] },
          {
            id: 'instruct',
            capabilities: ['completions'],
            offers: [
              offer('oai', {
                lane: 'resale',
                model: 'gpt-3.5-turbo-instruct',
                price: { input: '1', output: '1' },
              }),
            ],
          },
        ],
      },
      {},
      { credit: '0' },
    )
    await topUp(ONE_CHOICE_NANO, 'one-choice')
  })
  after(async () => {
    await gateway?.close()
    await chat?.close()
    await native?.close()
  })

  test('a balance for one choice: n=1 would fit, n=5 is 402 insufficient_credits and no upstream call', async () => {
    const response = await gateway.post('/v1/chat/completions', {
      model: 'm',
      messages,
      max_tokens: MAX_TOKENS,
      n: CHOICES,
    })
    assert.equal(response.status, 402)
    const body = await readJson(response)
    assertMatchesOpenAISchema('ErrorResponse', body)
    assert.equal(body.error.code, 'insufficient_credits')
    assert.match(body.error.message, /may cost up to \$0\.000058 .*\$0\.000018 is available/)
    assert.equal(chat.calls.length, 0)
    assert.deepEqual(await gateway.store.ledger.balance(gateway.workspaceId), {
      balanceNano: ONE_CHOICE_NANO,
      heldNano: 0,
    })
    // The quote for the same request says what the hold reserves: every choice's output.
    const quote = await readJson(
      await gateway.post('/v1/quote', { model: 'm', messages, max_tokens: MAX_TOKENS, n: CHOICES }),
    )
    assert.equal(quote.max_output_tokens, CHOICES * MAX_TOKENS)
    assert.equal(quote.lanes[0].max_total_cost, '0.000058')
  })

  test('legacy completions: n and best_of count too (native upstream never called)', async () => {
    for (const extra of [{ n: CHOICES }, { best_of: CHOICES }]) {
      const response = await gateway.post('/v1/completions', {
        model: 'resale/instruct',
        prompt: 'hi',
        max_tokens: MAX_TOKENS,
        ...extra,
      })
      assert.equal(response.status, 402, JSON.stringify(extra))
      const error = (await readJson(response)).error
      assert.equal(error.code, 'insufficient_credits')
      assert.match(error.message, /may cost up to \$0\.000058 /)
    }
    assert.equal(native.calls.length, 0)
  })

  test('n and best_of above 128 or not whole numbers are 400s naming the field', async () => {
    for (const [path, body, param] of [
      ['/v1/chat/completions', { model: 'm', messages, n: 129 }, 'n'],
      ['/v1/chat/completions', { model: 'm', messages, n: 0 }, 'n'],
      ['/v1/completions', { model: 'resale/instruct', prompt: 'hi', best_of: 1.5 }, 'best_of'],
      ['/v1/completions', { model: 'resale/instruct', prompt: 'hi', best_of: 500 }, 'best_of'],
    ] as const) {
      const response = await gateway.post(path, body)
      assert.equal(response.status, 400, JSON.stringify(body))
      const error = (await readJson(response)).error
      assert.equal(error.type, 'invalid_request_error')
      assert.equal(error.param, param)
    }
    assert.equal(chat.calls.length + native.calls.length, 0)
  })

  test('one nano-USD short of five holds is still 402 (the answer could not be charged in full)', async () => {
    await topUp(FIVE_CHOICES_NANO - ONE_CHOICE_NANO - 1, 'one-short')
    const response = await gateway.post('/v1/chat/completions', {
      model: 'm',
      messages,
      max_tokens: MAX_TOKENS,
      n: CHOICES,
    })
    assert.equal(response.status, 402)
    await response.arrayBuffer()
    assert.equal(chat.calls.length, 0)
  })

  test('a balance for five holds: five choices, charged the full usage cost', async () => {
    await topUp(1, 'last-nano')
    const response = await gateway.post('/v1/chat/completions', {
      model: 'm',
      messages,
      max_tokens: MAX_TOKENS,
      n: CHOICES,
    })
    assert.equal(response.status, 200)
    const body = await readJson(response)
    assert.equal(body.choices.length, CHOICES)
    assert.equal(body.usage.cost_details.total, '0.000058')
    assert.equal(chat.calls.length, 1)
    assert.equal(chat.calls[0]!.json!.n, CHOICES, 'n is forwarded as asked')
    await settled(gateway)
    assert.deepEqual(await gateway.store.ledger.balance(gateway.workspaceId), { balanceNano: 0, heldNano: 0 })
    // The whole balance went to this answer: the latest ledger entry is its debit, in full.
    const [debit] = await gateway.store.ledger.list(gateway.workspaceId, { limit: 1 })
    assert.equal(debit!.amountNano, -FIVE_CHOICES_NANO)
    assert.deepEqual(await gateway.store.ledger.verify(), [])
  })
})

test('TPM admission counts n: output cap × n', async () => {
  const upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok') })
  const gateway = await startTestGateway({
    providers: [fakeProvider('fake', upstream.baseUrl)],
    models: [{ id: 'm', offers: [offer('fake')] }],
    limits: { default_tier: 'small', tiers: { small: { rpm: 100, tpm: 1_000, concurrency: 10 } } },
  })
  try {
    const chat = (n: number) =>
      gateway.post('/v1/chat/completions', { model: 'm', messages, max_tokens: 150, n })
    // 8 + 7 × 150 = 1058 tokens: over the 1000 a minute, though one choice (158) is not.
    const refused = await chat(7)
    assert.equal(refused.status, 429)
    const body = await readJson(refused)
    assert.equal(body.error.code, 'rate_limit_exceeded')
    assert.match(body.error.message, /1000 tokens per minute/)
    assert.equal(upstream.calls.length, 0)
    // 8 + 6 × 150 = 908 tokens fit.
    const admitted = await chat(6)
    assert.equal(admitted.status, 200)
    await admitted.arrayBuffer()
    assert.equal(upstream.calls.length, 1)
  } finally {
    await gateway.close()
    await upstream.close()
  }
})

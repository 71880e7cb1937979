/**
 * Upstream usage is untrusted input (issue 15, finding 2): negative, fractional or absurd token
 * counts must never create money, fail the answer or strand a hold. The answer is priced from
 * the gateway's own count instead, said on the answer (`usage.estimated`), logged and counted.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { streamChunks } from '../helpers/billing-setup.ts'
import {
  fakeProvider,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

// "hi" is estimated at 8 prompt tokens; "ok" at 1 completion token; $1 per 1M tokens each way.
const messages = [{ role: 'user', content: 'hi' }]
const NANO_PER_TOKEN = 1_000
const START_NANO = 1_000_000_000

const HOSTILE: Record<string, Record<string, unknown>> = {
  negative: { prompt_tokens: -1_000_000, completion_tokens: -1_000_000, total_tokens: -2_000_000 },
  fractional: { prompt_tokens: 10.5, completion_tokens: 2.5, total_tokens: 13 },
  huge: { prompt_tokens: 1e18, completion_tokens: 1e18, total_tokens: 2e18 },
  'beyond the output cap': { prompt_tokens: 8, completion_tokens: 11, total_tokens: 19 },
  'cached above the prompt': {
    prompt_tokens: 8,
    completion_tokens: 1,
    total_tokens: 9,
    prompt_tokens_details: { cached_tokens: 50 },
  },
  'a string': { prompt_tokens: '8', completion_tokens: 1, total_tokens: 9 },
}

describe('untrusted upstream usage', () => {
  let upstream: FakeUpstream
  let gateway: TestGateway

  before(async () => {
    upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok', 'm') })
    gateway = await startTestGateway(
      {
        providers: [fakeProvider('fake', upstream.baseUrl)],
        models: [
          {
            id: 'm',
            offers: [
              { lane: 'cheap', provider: 'fake', price: { input: '1', output: '1' }, published: true },
            ],
          },
        ],
      },
      {},
      { credit: '1' },
    )
  })
  after(async () => {
    await gateway.close()
    await upstream.close()
  })

  async function settled(): Promise<{ balanceNano: number; heldNano: number }> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const balance = await gateway.store.ledger.balance(gateway.workspaceId)
      if (balance.heldNano === 0) return balance
      await sleep(25)
    }
    assert.fail('a hold stayed open')
  }

  for (const [name, usage] of Object.entries(HOSTILE)) {
    test(`JSON, ${name} usage: 200, priced from the gateway count, no money created`, async () => {
      const before = await settled()
      upstream.script({ kind: 'json', body: chatCompletionBody('ok', 'm', usage) })
      const response = await gateway.post('/v1/chat/completions', { model: 'm', messages, max_tokens: 10 })
      assert.equal(response.status, 200)
      const body = await readJson(response)
      assert.equal(body.usage.estimated, true)
      assert.deepEqual([body.usage.prompt_tokens, body.usage.completion_tokens], [8, 1])
      assert.equal(body.usage.cost_details.total, '0.000009')
      const after = await settled()
      assert.equal(after.balanceNano, before.balanceNano - 9 * NANO_PER_TOKEN, 'charged exactly the count')
      await gateway.gateway.requestLogs.flush()
      const row = await gateway.store.requestLogs.find(
        gateway.workspaceId,
        response.headers.get('x-onekey-generation-id')!,
      )
      assert.deepEqual(
        [row?.usageSource, row?.promptTokens, row?.completionTokens, row?.chargedNano],
        ['estimated', 8, 1, 9 * NANO_PER_TOKEN],
      )
      assert.deepEqual(await gateway.store.ledger.verify(), [])
    })

    test(`stream, ${name} usage: the stream completes, charged from the chunks, no hold left`, async () => {
      const before = await settled()
      upstream.script({ kind: 'stream', chunks: streamChunks(usage) })
      const response = await gateway.post('/v1/chat/completions', {
        model: 'm',
        messages,
        max_tokens: 10,
        stream: true,
        stream_options: { include_usage: true },
      })
      assert.equal(response.status, 200)
      const data = await readSseData(response)
      assert.equal(data.at(-1), '[DONE]')
      const usageChunk = JSON.parse(data.at(-2)!)
      assert.equal(usageChunk.usage.estimated, true)
      // two content chunks delivered: counted as two output tokens
      assert.deepEqual([usageChunk.usage.prompt_tokens, usageChunk.usage.completion_tokens], [8, 2])
      assert.equal(usageChunk.usage.cost_details.total, '0.00001')
      const after = await settled()
      assert.equal(after.balanceNano, before.balanceNano - 10 * NANO_PER_TOKEN)
      assert.deepEqual(await gateway.store.ledger.verify(), [])
    })
  }

  test('the balance only ever went down; every refusal was logged and counted', async () => {
    const { balanceNano } = await settled()
    const cases = Object.keys(HOSTILE).length
    assert.equal(balanceNano, START_NANO - cases * 19 * NANO_PER_TOKEN)
    const warnings = gateway.logs.filter((line) => String(line.msg).includes('usage was implausible'))
    assert.equal(warnings.length, 2 * cases)
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
    assert.match(
      metrics,
      new RegExp(`onekey_upstream_usage_rejected_total\\{provider="fake"\\} ${2 * cases}\\b`),
    )
  })

  test('plausible usage is still taken as the upstream reported it', async () => {
    upstream.script({
      kind: 'json',
      body: chatCompletionBody('ok', 'm', { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 }),
    })
    const response = await gateway.post('/v1/chat/completions', { model: 'm', messages, max_tokens: 10 })
    const body = await readJson(response)
    assert.equal(body.usage.estimated, undefined)
    assert.deepEqual([body.usage.prompt_tokens, body.usage.completion_tokens], [12, 10])
    assert.equal(body.usage.cost_details.total, '0.000022')
  })
})

/**
 * Shared setup for the billing end-to-end tests: the request whose cost equals its hold, the
 * fake upstream's answers (JSON and streamed, with exact usage), the one-model catalog, a wait
 * for asynchronous settlement, a concurrent burst across gateways, and a fixture that starts a
 * gateway with an empty balance in front of a fake upstream.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLogger } from '../../src/logging/logger.ts'
import { startGateway } from '../../src/server/start-gateway.ts'
import type { Store } from '../../src/storage/store.ts'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import {
  fakeProvider,
  type Json,
  readJson,
  startTestGateway,
  type TestGateway,
  testConfig,
} from './test-gateway.ts'

// "hi" is estimated at 3 + 4 + 1 = 8 prompt tokens; the fake reports exactly that and max_tokens
// of output, so a request's cost equals its hold: 18 tokens at $1/1M = 18000 nano-USD.
export const messages = [{ role: 'user', content: 'hi' }]
export const MAX_TOKENS = 10
export const COST_NANO = 18_000

export function completion(usage: Record<string, unknown>): Record<string, unknown> {
  return chatCompletionBody('ok', 'm', usage)
}

export function streamChunks(usage: Record<string, unknown> | undefined, pieces = ['Hel', 'lo']): string[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`
  return [
    chunk({ role: 'assistant', content: '' }, null),
    ...pieces.map((piece) => chunk({ content: piece }, null)),
    chunk({}, 'stop'),
    ...(usage === undefined
      ? []
      : [
          `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage })}\n\n`,
        ]),
    'data: [DONE]\n\n',
  ]
}

export const exactUsage = { prompt_tokens: 8, completion_tokens: MAX_TOKENS, total_tokens: 8 + MAX_TOKENS }

export function document(
  upstream: FakeUpstream,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    providers: [fakeProvider('fake', upstream.baseUrl)],
    models: [
      {
        id: 'm',
        offers: [
          {
            lane: 'cheap',
            provider: 'fake',
            price: { input: '1', output: '1', cached_input: '0.25' },
            published: true,
          },
        ],
      },
    ],
    ...extra,
  }
}

export async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return
    await sleep(25)
  }
  assert.fail(`timed out waiting for ${what}`)
}

export async function concurrencyRun(gateways: TestGateway[], apiKey: string, total: number) {
  const responses = await Promise.all(
    Array.from({ length: total }, (_, index) =>
      fetch(`${gateways[index % gateways.length]!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages, max_tokens: MAX_TOKENS }),
      }),
    ),
  )
  const statuses = responses.map((response) => response.status)
  await Promise.all(responses.map((response) => response.arrayBuffer()))
  return statuses
}

/** A gateway whose workspace starts with no credit, in front of a fake upstream answering `exactUsage`. */
export interface BillingFixture {
  upstream: FakeUpstream
  gateway: TestGateway
  /** A management key of the gateway's workspace. */
  managementKey: string
  /** GET a management API path with the management key, as JSON. */
  manage(path: string): Promise<Json>
  /** Credits the workspace directly (an adjustment), idempotent under `key`. */
  topUp(nano: number, key: string): ReturnType<TestGateway['gateway']['billing']['topUp']>
  close(): Promise<void>
}

export async function startBillingFixture(): Promise<BillingFixture> {
  const upstream = await startFakeUpstream({ kind: 'json', body: completion(exactUsage) })
  const gateway = await startTestGateway(document(upstream), {}, { credit: '0' })
  const managementKey = (
    await gateway.service.createApiKey({ workspace: gateway.workspaceId, name: 'owner', management: true })
  ).key
  return {
    upstream,
    gateway,
    managementKey,
    manage: async (path) =>
      readJson(
        await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${managementKey}` } }),
      ),
    topUp: (nano, key) =>
      gateway.gateway.billing.topUp({
        workspaceId: gateway.workspaceId,
        amountNano: nano,
        idempotencyKey: key,
        actor: 'test',
        kind: 'adjustment',
      }),
    async close() {
      await gateway.close()
      await upstream.close()
    },
  }
}

/**
 * Two gateway instances sharing `store`, in front of one fake upstream answering `exactUsage`:
 * `one` with a test workspace and key (no credit), `two` a second instance (its URL only).
 * Everything is closed after `run`, whatever it does.
 */
export async function withTwoInstances(
  store: Store,
  run: (one: TestGateway, two: TestGateway) => Promise<void>,
): Promise<void> {
  const upstream = await startFakeUpstream({ kind: 'json', body: completion(exactUsage) })
  let one: TestGateway | undefined
  let two: Awaited<ReturnType<typeof startGateway>> | undefined
  try {
    one = await startTestGateway(document(upstream), {}, { credit: '0', store })
    two = await startGateway(testConfig(document(upstream)), {
      store,
      logger: createLogger({ level: 'silent' }),
    })
    await run(one, { url: two.url } as TestGateway)
  } finally {
    await two?.close(1_000)
    await one?.close()
    await upstream.close()
  }
}

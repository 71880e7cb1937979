/**
 * Shared setup for the lanes end-to-end tests: two pooled vendors and an official provider as
 * fake upstreams on 127.0.0.1, the catalog that offers them in the cheap, resale and byok lanes,
 * the keys of their accounts, and a fixture that starts the gateway in front of them.
 *
 * @module
 */
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { startTestGateway, type TestGateway } from './test-gateway.ts'

export const messages = [{ role: 'user', content: 'Say hello' }]
export const MASTER_KEY = 'a1'.repeat(32)
export const CUSTOMER_KEY = 'sk-customer-own-key-0123456789abcdef'
export const KEYS = {
  POOL_A_1: 'sk-pool-a-one-0123456789',
  POOL_A_2: 'sk-pool-a-two-0123456789',
  POOL_B_1: 'sk-pool-b-one-0123456789',
  OFFICIAL_1: 'sk-official-one-0123456789',
  OFFICIAL_2: 'sk-official-two-0123456789',
  ONEKEY_MASTER_KEY: MASTER_KEY,
  ONEKEY_ADMIN_TOKEN: 'admin-token-0123456789abcdef',
}

export function bearer(call: { headers: Record<string, unknown> }): string {
  return String(call.headers.authorization ?? '').replace(/^Bearer /, '')
}

/**
 * The lanes' providers: two pooled OpenAI-compatible providers (pool-a with accounts a1 and a2,
 * pool-b with b1) and the official OpenAI provider (`trust: official`, accounts o1 and o2, or
 * only o1), each at its fake's base URL.
 */
export function laneProviders(
  poolA: { baseUrl: string },
  poolB: { baseUrl: string },
  official: { baseUrl: string },
  officialAccounts: 1 | 2 = 2,
): Record<string, unknown>[] {
  return [
    {
      name: 'pool-a',
      kind: 'openai-compatible',
      base_url: poolA.baseUrl,
      accounts: [
        { name: 'a1', api_key_env: 'POOL_A_1' },
        { name: 'a2', api_key_env: 'POOL_A_2' },
      ],
    },
    {
      name: 'pool-b',
      kind: 'openai-compatible',
      base_url: poolB.baseUrl,
      accounts: [{ name: 'b1', api_key_env: 'POOL_B_1' }],
    },
    {
      name: 'official',
      kind: 'openai',
      base_url: official.baseUrl,
      accounts: [
        { name: 'o1', api_key_env: 'OFFICIAL_1', trust: 'official' },
        { name: 'o2', api_key_env: 'OFFICIAL_2', trust: 'official' },
      ].slice(0, officialAccounts),
    },
  ]
}

export function catalog(
  poolA: FakeUpstream,
  poolB: FakeUpstream,
  official: FakeUpstream,
): Record<string, unknown> {
  return {
    upstream: { max_attempts: 6, failure_threshold: 100, cooldown_ms: 60_000 },
    providers: laneProviders(poolA, poolB, official),
    models: [
      {
        id: 'gpt-x',
        aliases: ['gpt-x@2026-01-01'],
        context_length: 100_000,
        max_output_tokens: 1000,
        offers: [
          {
            lane: 'cheap',
            provider: 'pool-a',
            model: 'x-on-a',
            price: { input: '0.2', output: '0.8' },
            published: true,
          },
          {
            lane: 'cheap',
            provider: 'pool-b',
            model: 'x-on-b',
            price: { input: '0.1', output: '0.4' },
            published: true,
            data_policy: { retains_prompts: true },
          },
          {
            lane: 'resale',
            provider: 'official',
            model: 'x-official',
            price: { input: '2', output: '8' },
            published: true,
          },
          {
            lane: 'byok',
            provider: 'official',
            model: 'x-official',
            price: { input: '0', output: '0' },
            published: true,
          },
        ],
      },
      {
        id: 'gpt-y',
        offers: [
          { lane: 'cheap', provider: 'pool-a', model: 'y-on-a', price: { input: '1', output: '1' } },
          { lane: 'resale', provider: 'official', model: 'y-official', price: { input: '3', output: '9' } },
        ],
      },
      {
        id: 'retained-only',
        offers: [
          {
            lane: 'cheap',
            provider: 'pool-b',
            price: { input: '0.1', output: '0.1' },
            data_policy: { trains_on_data: true },
          },
        ],
      },
    ],
  }
}

/** The three fakes, a gateway in front of them and a management key of its workspace. */
export interface LanesFixture {
  poolA: FakeUpstream
  poolB: FakeUpstream
  official: FakeUpstream
  gateway: TestGateway
  managementKey: string
  /** Calls that reached a pooled (cheap-lane) vendor. */
  pooledCalls(): number
  /** A management API call with the management key. */
  manage(method: string, path: string, body?: unknown): Promise<Response>
  /** Forgets recorded calls and scripts, and the gateway's stats (run before each test). */
  reset(): void
  close(): Promise<void>
}

export async function startLanesFixture(): Promise<LanesFixture> {
  const poolA = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('from pool a') })
  const poolB = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('from pool b') })
  const official = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('from official') })
  const gateway = await startTestGateway(catalog(poolA, poolB, official), KEYS)
  const managementKey = (
    await gateway.service.createApiKey({ workspace: gateway.workspaceId, name: 'admin', management: true })
  ).key
  return {
    poolA,
    poolB,
    official,
    gateway,
    managementKey,
    pooledCalls: () => poolA.calls.length + poolB.calls.length,
    manage: (method, path, body) =>
      fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${managementKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    reset() {
      poolA.reset()
      poolB.reset()
      official.reset()
      gateway.gateway.stats.reset()
    },
    async close() {
      await gateway.close()
      await Promise.all([poolA.close(), poolB.close(), official.close()])
    },
  }
}

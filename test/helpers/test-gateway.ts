/**
 * Starts a real gateway on 127.0.0.1:0 over an in-memory SQLite store, with one workspace and
 * one key, for end-to-end tests. Log lines are captured instead of printed.
 *
 * @module
 */

import { buildConfig, type GatewayConfig } from '../../src/config/config.ts'
import { parseUsdNano } from '../../src/contracts/usd.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { type RunningGateway, startGateway } from '../../src/server/start-gateway.ts'
import { createWorkspaceService, type WorkspaceService } from '../../src/services/workspace-service.ts'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'

export interface TestGateway {
  gateway: RunningGateway
  config: GatewayConfig
  url: string
  /** A valid key for the test workspace. */
  apiKey: string
  workspaceId: string
  service: WorkspaceService
  store: Store
  /** Parsed log lines written so far. */
  logs: Record<string, unknown>[]
  /** POST JSON to a path with the test key. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>
  close(): Promise<void>
}

export const TEST_ENV: Record<string, string> = {
  FAKE_KEY_A: 'sk-fake-account-a-0123456789',
  FAKE_KEY_B: 'sk-fake-account-b-0123456789',
  ANTHROPIC_KEY: 'sk-ant-test-key-0123456789',
  GEMINI_KEY: 'AIza-test-key-0123456789',
}

/** A resale (`trust: official`) provider block for the strict fake Anthropic API at `url`. */
export function anthropicProvider(url: string, name = 'claude'): Record<string, unknown> {
  return {
    name,
    kind: 'anthropic',
    base_url: `${url}/v1`,
    accounts: [{ name: 'a', api_key_env: 'ANTHROPIC_KEY', trust: 'official' }],
  }
}

/** A resale (`trust: official`) provider block for the strict fake Gemini API at `url`. */
export function geminiProvider(url: string, name = 'google'): Record<string, unknown> {
  return {
    name,
    kind: 'gemini',
    base_url: `${url}/v1beta`,
    accounts: [{ name: 'a', api_key_env: 'GEMINI_KEY', trust: 'official' }],
  }
}

/** Builds a gateway config the way tests write it: port 0, in-memory SQLite, fake keys. */
export function testConfig(
  document: Record<string, unknown>,
  env: Record<string, string> = {},
): GatewayConfig {
  return buildConfig(
    {
      server: { port: 0 },
      storage: { url: 'sqlite::memory:' },
      // Tests that are not about the cache send the same body twice and expect two upstream calls.
      cache: { enabled: false },
      // Tests that are not about limits get a tier nothing reaches.
      limits: {
        default_tier: 'unlimited',
        tiers: { unlimited: { rpm: 1_000_000, tpm: 1e12, concurrency: 100_000 } },
      },
      ...document,
    },
    { ...TEST_ENV, ...env },
  )
}

export async function startTestGateway(
  document: Record<string, unknown>,
  env: Record<string, string> = {},
  options: {
    reload?: () => Record<string, unknown>
    /** USD credited to the test workspace (default 1000). */
    credit?: string
    /** A store to share (e.g. PostgreSQL between two instances); the caller closes it. */
    store?: Store
    workspaceName?: string
  } = {},
): Promise<TestGateway> {
  const config = testConfig(document, env)
  const store = options.store ?? (await createStore(config.storage))
  await store.migrate()
  const logs: Record<string, unknown>[] = []
  const logger = createLogger({
    level: 'debug',
    // Tests read the log right after a call: no batching window.
    batchMs: 0,
    write: (text) => {
      for (const line of text.split('\n')) if (line) logs.push(JSON.parse(line))
    },
  })
  const reload = options.reload
  const gateway = await startGateway(config, {
    store,
    logger,
    ...(reload === undefined ? {} : { loadConfig: () => testConfig(reload(), env) }),
  })
  const service = createWorkspaceService(store, { signupCreditNano: config.billing.signupCreditNano })
  const workspace = await service.createWorkspace(options.workspaceName ?? 'test-workspace')
  // Plenty of credit unless a test asks otherwise: most tests are not about money.
  const credit = options.credit ?? '1000'
  if (credit !== '0') {
    await gateway.billing.topUp({
      workspaceId: workspace.id,
      amountNano: parseUsdNano(credit),
      idempotencyKey: 'test-credit',
      actor: 'test',
      kind: 'adjustment',
    })
  }
  const { key } = await service.createApiKey({ workspace: workspace.id, name: 'test' })
  const url = gateway.url
  return {
    gateway,
    config,
    url,
    apiKey: key,
    workspaceId: workspace.id,
    service,
    store,
    logs,
    post: (path, body, headers = {}) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    async close() {
      await gateway.close(1_000)
      if (options.store === undefined) await store.close()
    },
  }
}

/** A provider block pointing at a fake upstream with two weighted accounts. */
export function fakeProvider(
  name: string,
  baseUrl: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    kind: 'openai-compatible',
    base_url: baseUrl,
    accounts: [
      { name: 'a', api_key_env: 'FAKE_KEY_A', weight: 1 },
      { name: 'b', api_key_env: 'FAKE_KEY_B', weight: 1 },
    ],
    ...extra,
  }
}

/** A catalog offer (cheap lane by default) with a price, for test configs. */
export function offer(provider: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { lane: 'cheap', provider, price: { input: '1', output: '2' }, ...extra }
}

/** Reads an SSE response into its `data:` payloads. */
export async function readSseData(response: Response): Promise<string[]> {
  const text = await response.text()
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n'),
    )
}

/** A parsed JSON body; tests assert on its shape, so it is loosely typed on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
export type Json = any

export async function readJson(response: Response): Promise<Json> {
  return response.json()
}

/**
 * What the benchmarks share: a free port, the bench workspace (a key and $1M of credit), and the
 * gateway's bench config (cache off: identical requests would all be hits; a tier the load never
 * reaches, so limits are checked on every request without refusing any).
 *
 * @module
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { buildConfig } from '../src/config/config.ts'
import { createWorkspaceService } from '../src/services/workspace-service.ts'
import { createStore } from '../src/storage/create-store.ts'

const ROOT = join(import.meta.dirname, '..')

/**
 * Node's compile cache, where `npm start` and `bin/onekey` keep it: the TypeScript sources
 * stripped and compiled once, so a start after the first loads neither the type stripper (its
 * WebAssembly and its heap, ~15–25 MB of resident memory) nor re-parses every module.
 */
export const COMPILE_CACHE_ENV = { NODE_COMPILE_CACHE: join(ROOT, 'node_modules', '.cache', 'onekey') }

/**
 * The node flags `bin/onekey` (and so `npm start`) and the Docker image run the gateway with; a
 * test keeps the three in step. Why each: bin/onekey's comment and bench/README.md.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16', '--heap-growing-percent=30']

/** The environment `bin/onekey` starts the gateway with (the compile cache, two malloc arenas). */
export const GATEWAY_ENV = { ...COMPILE_CACHE_ENV, MALLOC_ARENA_MAX: '2' }

/** Fills the compile cache as any earlier start would (`onekey --help` loads every module `serve` does). */
export function warmCompileCache(): void {
  execFileSync(process.execPath, ['--disable-warning=ExperimentalWarning', 'src/cli/onekey.ts', '--help'], {
    cwd: ROOT,
    env: { ...process.env, ...COMPILE_CACHE_ENV },
    stdio: 'ignore',
  })
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Creates the bench workspace with $1M of credit; returns its API key. */
export async function seedBenchWorkspace(storageUrl: string): Promise<string> {
  const config = buildConfig({ storage: { url: storageUrl }, providers: [{ name: 'sim', kind: 'sim' }] }, {})
  const store = await createStore(config.storage)
  try {
    await store.migrate()
    const service = createWorkspaceService(store)
    const workspace = await service.createWorkspace('bench')
    await store.ledger.append([
      {
        id: 'le_bench',
        workspaceId: workspace.id,
        kind: 'adjustment',
        amountNano: 1_000_000 * 1_000_000_000,
        reason: 'bench credit',
        actor: 'bench',
        idempotencyKey: 'bench',
        requestId: null,
        createdAt: new Date().toISOString(),
      },
    ])
    return (await service.createApiKey({ workspace: 'bench', name: 'bench' })).key
  } finally {
    await store.close()
  }
}

/** The gateway's config for a bench run against `upstreamUrl`, plus `extra` YAML lines. */
export function benchConfigLines(upstreamUrl: string, extra: readonly string[] = []): string[] {
  return [
    'cache: { enabled: false }',
    'limits: { default_tier: bench, tiers: { bench: { rpm: 100000000, tpm: 1000000000000, concurrency: 100000 } } }',
    'providers:',
    `  - { name: upstream, kind: openai-compatible, base_url: "${upstreamUrl}/v1", accounts: [{ name: a, api_key_env: BENCH_UPSTREAM_KEY }] }`,
    'models:',
    '  - { id: bench-model, offers: [{ lane: cheap, provider: upstream, price: { input: "0.15", output: "0.6" } }] }',
    ...extra,
  ]
}

/**
 * Writes a gateway config on a SQLite file in `directory` (plus `BENCH_CONFIG`'s YAML lines, e.g.
 * `billing: { enabled: false }`, to measure what one part costs, and then `extraLines`) and seeds
 * the bench workspace. `name` keeps two gateways' files apart in one directory.
 */
export async function prepareSqliteGateway(
  directory: string,
  gatewayPort: number,
  upstreamUrl: string,
  { name = 'onekey', extraLines = [] }: { name?: string; extraLines?: string[] } = {},
): Promise<{ configPath: string; key: string }> {
  const databasePath = join(directory, `${name}.db`)
  const configPath = join(directory, `${name}.yaml`)
  const extra = [...(process.env.BENCH_CONFIG === undefined ? [] : [process.env.BENCH_CONFIG]), ...extraLines]
  writeFileSync(
    configPath,
    [
      `server: { host: 127.0.0.1, port: ${gatewayPort} }`,
      `storage: { url: "sqlite:${databasePath}" }`,
      ...benchConfigLines(upstreamUrl, extra),
    ].join('\n'),
  )
  return { configPath, key: await seedBenchWorkspace(`sqlite:${databasePath}`) }
}

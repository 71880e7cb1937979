/**
 * Configuration: one YAML file, secrets from environment variables named in it, validated at
 * start-up. This is the only module that reads `process.env` or the config file; everything else
 * receives a {@link GatewayConfig}.
 *
 * Precedence: command-line flags > environment (`ONEKEY_*`) > file > defaults.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { parseDecimal } from '../billing/usd.ts'
import { VENDOR_PRESETS, type VendorKind } from '../providers/openai-compatible/vendor-presets.ts'
import { buildCatalogConfig, type Lane, type ModelConfig, modelSchema } from './catalog-config.ts'

export type { Lane, ModelConfig, OfferConfig } from './catalog-config.ts'

/** Provider kinds: the OpenAI-format vendor presets, the translated formats, and `sim`. */
export const PROVIDER_KINDS = [
  ...(Object.keys(VENDOR_PRESETS) as VendorKind[]),
  'anthropic',
  'gemini',
  'sim',
] as const
export type ProviderKind = (typeof PROVIDER_KINDS)[number]

const positiveInteger = z.number().int().positive()
const nonNegativeInteger = z.number().int().nonnegative()

const accountSchema = z.strictObject({
  name: z.string().min(1),
  /** Name of the environment variable that holds this account's API key. */
  api_key_env: z.string().min(1).optional(),
  weight: positiveInteger.default(1),
  /** Overrides the provider's base URL for this account. */
  base_url: z.url().optional(),
  /** `pooled` accounts serve the cheap lane, `official` ones the resale lane; never both. */
  trust: z.enum(['pooled', 'official']).default('pooled'),
  /** Offers may name a group to use only some of a provider's accounts. */
  group: z.string().min(1).default('default'),
})

const simSchema = z.strictObject({
  /** Delay before the first byte, in milliseconds. */
  latency_ms: nonNegativeInteger.default(0),
  /** Output speed; 0 means as fast as possible. */
  tokens_per_second: nonNegativeInteger.default(0),
})

const providerSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, "-" and "_"'),
  kind: z.enum(PROVIDER_KINDS),
  base_url: z.url().optional(),
  /** For `openai-compatible`: how the key is sent. */
  auth_header: z.enum(['bearer', 'api-key', 'x-api-key']).optional(),
  /** `anthropic`: the `anthropic-version` header; `azure-openai`: the `api-version` query. */
  api_version: z.string().min(1).optional(),
  accounts: z.array(accountSchema).default([]),
  /** Whether workspaces may use their own key for this provider (`byok/<provider>/…`, `byok_conf`). */
  byok: z.boolean().default(true),
  sim: simSchema.optional(),
  timeouts: z
    .strictObject({
      connect_ms: positiveInteger.optional(),
      first_byte_ms: positiveInteger.optional(),
      idle_ms: positiveInteger.optional(),
    })
    .optional(),
})

const fileSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: nonNegativeInteger.max(65535).default(8787),
      body_limit_bytes: positiveInteger.default(4 * 1024 * 1024),
      shutdown_grace_ms: nonNegativeInteger.default(10_000),
      /**
       * The listen queue (connections the kernel has accepted and the process has not yet taken),
       * passed to listen(2). The kernel caps it at `net.core.somaxconn`, so the high default
       * means "whatever the system allows": raising the sysctl is enough.
       */
      backlog: positiveInteger.max(2_147_483_647).default(65_535),
    })
    .prefault({}),
  storage: z
    .strictObject({
      /** `sqlite:<path>`, `sqlite::memory:` or `postgres://…` */
      url: z.string().default('sqlite:./data/onekey.db'),
      auto_migrate: z.boolean().default(true),
    })
    .prefault({}),
  redis: z
    .strictObject({
      url: z.string().nullable().default(null),
      /** Prefix of every key and channel, so several deployments can share one Redis. */
      key_prefix: z.string().default('onekey:'),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** How long a key lookup is trusted before it is re-read (revocation delay across instances). */
      cache_ttl_ms: positiveInteger.default(5_000),
      cache_max_entries: positiveInteger.default(100_000),
    })
    .prefault({}),
  upstream: z
    .strictObject({
      connect_timeout_ms: positiveInteger.default(5_000),
      first_byte_timeout_ms: positiveInteger.default(60_000),
      idle_timeout_ms: positiveInteger.default(60_000),
      /** Upstream attempts per request, across accounts and routes. */
      max_attempts: positiveInteger.max(10).default(3),
      connections_per_origin: positiveInteger.default(256),
      /** Consecutive retryable failures that open an account's circuit. */
      failure_threshold: positiveInteger.default(3),
      cooldown_ms: positiveInteger.default(30_000),
      max_cooldown_ms: positiveInteger.default(600_000),
      /** Images the gateway fetches for upstreams that need bytes, not URLs (Gemini). */
      image_fetch: z
        .strictObject({
          max_bytes: positiveInteger.default(10 * 1024 * 1024),
          timeout_ms: positiveInteger.default(10_000),
          max_redirects: nonNegativeInteger.max(10).default(3),
          max_images: positiveInteger.default(16),
          /** Hosts or IP addresses that may be fetched even on a private network (an operator's own image server). */
          allow_hosts: z.array(z.string().min(1)).default([]),
        })
        .prefault({}),
    })
    .prefault({}),
  workspaces: z
    .strictObject({
      /** The lane of a plain model ID for workspaces that did not choose one. */
      default_lane: z.enum(['cheap', 'resale']).default('cheap'),
    })
    .prefault({}),
  secrets: z
    .strictObject({
      /** Variable holding the 32-byte master key (64 hex digits or base64) that encrypts BYOK credentials. */
      master_key_env: z.string().min(1).default('ONEKEY_MASTER_KEY'),
      /** Variable holding earlier master keys, comma-separated, still accepted for decryption (rotation). */
      previous_master_keys_env: z.string().min(1).default('ONEKEY_PREVIOUS_MASTER_KEYS'),
      /** Variable holding the operator's admin token for `/api/v1/admin/*`. */
      admin_token_env: z.string().min(1).default('ONEKEY_ADMIN_TOKEN'),
    })
    .prefault({}),
  cache: z
    .strictObject({
      /** The exact-match response cache (per workspace; workspaces and requests can opt out). */
      enabled: z.boolean().default(true),
      /** `memory` (per instance), `redis` (shared; needs redis.url), `auto` (Redis when configured). */
      backend: z.enum(['auto', 'memory', 'redis']).default('auto'),
      ttl_ms: positiveInteger.default(300_000),
      max_entries: positiveInteger.default(10_000),
      /** Larger answers are not cached. */
      max_entry_bytes: positiveInteger.default(256 * 1024),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Where counters and concurrency slots live: `memory` (one process) or `redis` (shared; needs redis.url). */
      backend: z.enum(['auto', 'memory', 'redis']).default('auto'),
      /** When Redis cannot be reached: refuse with 503 (`fail_closed`) or count per instance (`local`). */
      on_redis_failure: z.enum(['fail_closed', 'local']).default('fail_closed'),
      /** A concurrency slot frees itself this long after it was taken if never released (a crashed instance). */
      concurrency_lease_ms: positiveInteger.default(600_000),
      default_tier: z.string().min(1).default('free'),
      tiers: z
        .record(
          z.string().regex(/^[a-z0-9_-]+$/),
          z.strictObject({ rpm: positiveInteger, tpm: positiveInteger, concurrency: positiveInteger }),
        )
        .default({
          free: { rpm: 20, tpm: 200_000, concurrency: 2 },
          pro: { rpm: 200, tpm: 2_000_000, concurrency: 10 },
          enterprise: { rpm: 10_000, tpm: 100_000_000, concurrency: 500 },
        }),
    })
    .prefault({}),
  billing: z
    .strictObject({
      /** Prepaid credits: reserve each request's maximum cost, settle the actual cost. */
      enabled: z.boolean().default(true),
      /** A hold not renewed for this long (its instance died) is released by the sweeper. */
      hold_ttl_ms: positiveInteger.default(60_000),
      sweep_interval_ms: positiveInteger.default(10_000),
      /** Output reserved when neither the request nor the catalog caps it. */
      default_max_output_tokens: positiveInteger.default(4096),
      /** Charged on each purchase as its own ledger entry: USD fixed + percent of the amount. */
      purchase_fee: z
        .strictObject({
          fixed: z.union([z.string(), z.number().nonnegative()]).default('0.35'),
          percent: z.union([z.string(), z.number().nonnegative()]).default('5'),
        })
        .prefault({}),
      /** Purchased and redeemed credit expires this many days later (0: never). */
      credit_expiry_days: nonNegativeInteger.default(365),
      /** USD credited to every new workspace (a trial). */
      signup_credit: z.union([z.string(), z.number().nonnegative()]).default('0'),
      /**
       * Headroom an instance asks for with a reservation, in requests' worth (granted only when the
       * balance holds four times that beyond the request): the next requests are granted from it
       * without a database round trip. 0: every reservation goes to storage.
       */
      headroom_factor: nonNegativeInteger.default(64),
      /** Headroom unused this long goes back to the workspace (other instances can then have it). */
      headroom_idle_ms: positiveInteger.default(1_000),
      /**
       * true: the end of every answer (the last JSON bytes; the final stream events and [DONE]) is
       * sent only after its charge is committed, so an instance killed without warning loses no
       * charge of an answer a client received. false: charges are committed in batches up to
       * 20 ms after the answer (see the README's billing policy).
       */
      durable_settlement: z.boolean().default(false),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
      requests: z.boolean().default(true),
      /** Request-log rows older than this are deleted (0 keeps them forever). */
      retention_days: nonNegativeInteger.default(30),
      /** How often request-log rows are written to storage, in a batch. */
      flush_interval_ms: positiveInteger.default(1_000),
    })
    .prefault({}),
  providers: z.array(providerSchema).min(1),
  models: z.array(modelSchema).default([]),
})

type FileConfig = z.infer<typeof fileSchema>

export interface AccountConfig {
  name: string
  apiKey: string
  weight: number
  baseUrl: string
  /** `customer`: a workspace's own key (BYOK), never from the config. */
  trust: 'pooled' | 'official' | 'customer'
  group: string
}

export interface TimeoutConfig {
  connectMs: number
  firstByteMs: number
  idleMs: number
}

export interface ProviderConfig {
  name: string
  kind: ProviderKind
  authHeader: 'bearer' | 'api-key' | 'x-api-key'
  /** `anthropic-version` (Anthropic) or `api-version` (Azure OpenAI); the adapter's default when unset. */
  apiVersion: string | undefined
  /** The provider's base URL (accounts may override it); BYOK requests use this one. */
  baseUrl: string
  byok: boolean
  accounts: AccountConfig[]
  sim: { latencyMs: number; tokensPerSecond: number }
  timeouts: TimeoutConfig
}

/** Limits for images the gateway fetches on a client's behalf (see src/gateway/fetch-image.ts). */
export interface ImageFetchConfig {
  maxBytes: number
  timeoutMs: number
  maxRedirects: number
  maxImages: number
  allowHosts: readonly string[]
}

export type StorageConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }

/** The validated configuration every module receives. */
export interface GatewayConfig {
  source: string
  server: {
    host: string
    port: number
    bodyLimitBytes: number
    shutdownGraceMs: number
    /** listen(2)'s backlog (the kernel caps it at `net.core.somaxconn`). */
    backlog: number
  }
  storage: StorageConfig & { autoMigrate: boolean }
  redisUrl: string | null
  redisKeyPrefix: string
  auth: { cacheTtlMs: number; cacheMaxEntries: number }
  upstream: {
    maxAttempts: number
    connectionsPerOrigin: number
    failureThreshold: number
    cooldownMs: number
    maxCooldownMs: number
    imageFetch: ImageFetchConfig
  }
  log: {
    level: 'debug' | 'info' | 'warn' | 'error' | 'silent'
    requests: boolean
    retentionDays: number
    flushIntervalMs: number
  }
  cache: {
    enabled: boolean
    backend: 'memory' | 'redis'
    ttlMs: number
    maxEntries: number
    maxEntryBytes: number
  }
  limits: {
    backend: 'memory' | 'redis'
    onRedisFailure: 'fail_closed' | 'local'
    concurrencyLeaseMs: number
    defaultTier: string
    tiers: Record<string, TierLimits>
  }
  billing: {
    enabled: boolean
    holdTtlMs: number
    sweepIntervalMs: number
    defaultMaxOutputTokens: number
    purchaseFeeFixedNano: number
    /** Thousandths of a percent (5 % = 5000). */
    purchaseFeePercentMilli: number
    signupCreditNano: number
    creditExpiryDays: number
    /** Headroom asked for with a reservation, in multiples of the request (0: none). */
    headroomFactor: number
    headroomIdleMs: number
    /** Answers end only after their charge is committed. */
    durableSettlement: boolean
  }
  workspaces: { defaultLane: Exclude<Lane, 'byok'> }
  secrets: {
    /** Encrypts BYOK credentials; null when not configured (BYOK storage is then off). */
    masterKey: Buffer | null
    previousMasterKeys: Buffer[]
    adminToken: string | null
  }
  providers: ProviderConfig[]
  models: ModelConfig[]
}

/** Requests and tokens per minute, and requests at once. */
export interface TierLimits {
  rpm: number
  tpm: number
  concurrency: number
}

/** A configuration problem, naming the field at fault. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

const DEFAULT_BASE_URLS: Record<ProviderKind, string> = {
  ...Object.fromEntries(
    Object.entries(VENDOR_PRESETS).map(([kind, preset]) => [kind, preset.defaultBaseUrl]),
  ),
  anthropic: 'https://api.anthropic.com/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  sim: 'sim://local',
} as Record<ProviderKind, string>

/** Parses a storage URL: `sqlite:<path>`, `sqlite::memory:`, `postgres://…`, `postgresql://…`. */
export function parseStorageUrl(url: string): StorageConfig {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url }
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '')
    if (path === '')
      throw new ConfigError('storage.url: "sqlite:" needs a path, e.g. sqlite:./data/onekey.db')
    return { kind: 'sqlite', path }
  }
  throw new ConfigError(`storage.url: expected sqlite:<path> or postgres://…, got "${url.split(':')[0]}:…"`)
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n  ')
}

/**
 * Validates a parsed config document and resolves secrets from `env`.
 * @throws ConfigError naming every bad field
 */
export function buildConfig(
  document: unknown,
  env: Record<string, string | undefined>,
  source = 'inline',
  options: { requireSecrets?: boolean } = {},
): GatewayConfig {
  const requireSecrets = options.requireSecrets ?? true
  const parsed = fileSchema.safeParse(document)
  if (!parsed.success) throw new ConfigError(`invalid config (${source}):\n  ${formatIssues(parsed.error)}`)
  const file: FileConfig = parsed.data
  const problems: string[] = []

  const providerNames = new Set<string>()
  const providers = file.providers.map((provider, index): ProviderConfig => {
    const field = `providers.${index}`
    if (providerNames.has(provider.name))
      problems.push(`${field}.name: duplicate provider "${provider.name}"`)
    providerNames.add(provider.name)
    const baseUrl = (provider.base_url ?? DEFAULT_BASE_URLS[provider.kind]).replace(/\/+$/, '')
    if (baseUrl === '') problems.push(`${field}.base_url: required for kind "${provider.kind}"`)
    // sim has no keys: by default one pooled and one official account, so every lane works offline.
    const accounts =
      provider.kind === 'sim' && provider.accounts.length === 0
        ? [
            { name: 'pool', weight: 1, trust: 'pooled' as const, group: 'default' },
            { name: 'official', weight: 1, trust: 'official' as const, group: 'default' },
          ]
        : provider.accounts
    if (accounts.length === 0) problems.push(`${field}.accounts: at least one account is required`)
    return {
      name: provider.name,
      kind: provider.kind,
      authHeader:
        provider.auth_header ??
        (provider.kind in VENDOR_PRESETS ? VENDOR_PRESETS[provider.kind as VendorKind].authHeader : 'bearer'),
      apiVersion: provider.api_version,
      baseUrl,
      byok: provider.byok,
      accounts: accounts.map((account, accountIndex) => {
        const accountField = `${field}.accounts.${accountIndex}`
        let apiKey = ''
        if ('api_key_env' in account && account.api_key_env) {
          apiKey = env[account.api_key_env] ?? ''
          if (apiKey === '' && requireSecrets) {
            problems.push(
              `${accountField}.api_key_env: environment variable ${account.api_key_env} is not set`,
            )
          }
        } else if (provider.kind !== 'sim') {
          problems.push(`${accountField}.api_key_env: required (the name of the variable holding the key)`)
        }
        const accountBase =
          'base_url' in account && account.base_url ? account.base_url.replace(/\/+$/, '') : baseUrl
        return {
          name: account.name,
          apiKey,
          weight: account.weight,
          baseUrl: accountBase,
          trust: account.trust,
          group: account.group,
        }
      }),
      sim: {
        latencyMs: provider.sim?.latency_ms ?? 0,
        tokensPerSecond: provider.sim?.tokens_per_second ?? 0,
      },
      timeouts: {
        connectMs: provider.timeouts?.connect_ms ?? file.upstream.connect_timeout_ms,
        firstByteMs: provider.timeouts?.first_byte_ms ?? file.upstream.first_byte_timeout_ms,
        idleMs: provider.timeouts?.idle_ms ?? file.upstream.idle_timeout_ms,
      },
    }
  })

  const models: ModelConfig[] = buildCatalogConfig(file.models, providers, problems)
  const secrets = readSecrets(file.secrets, env, problems)
  const billing = readBilling(file.billing, problems)
  const limits = readLimits(file.limits, env.ONEKEY_REDIS_URL ?? file.redis.url, problems)
  const redisConfigured = (env.ONEKEY_REDIS_URL ?? file.redis.url) !== null
  const cacheBackend =
    file.cache.backend === 'auto' ? (redisConfigured ? 'redis' : 'memory') : file.cache.backend
  if (cacheBackend === 'redis' && !redisConfigured) problems.push('cache.backend: "redis" needs redis.url')

  let storage: StorageConfig = { kind: 'sqlite', path: './data/onekey.db' }
  try {
    storage = parseStorageUrl(env.ONEKEY_STORAGE_URL ?? file.storage.url)
  } catch (error) {
    problems.push((error as Error).message)
  }
  if (problems.length > 0) throw new ConfigError(`invalid config (${source}):\n  ${problems.join('\n  ')}`)

  const port = env.ONEKEY_PORT === undefined ? file.server.port : Number(env.ONEKEY_PORT)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError('ONEKEY_PORT: not a valid port')
  return {
    source,
    server: {
      host: env.ONEKEY_HOST ?? file.server.host,
      port,
      bodyLimitBytes: file.server.body_limit_bytes,
      shutdownGraceMs: file.server.shutdown_grace_ms,
      backlog: file.server.backlog,
    },
    storage: { ...storage, autoMigrate: file.storage.auto_migrate },
    redisUrl: env.ONEKEY_REDIS_URL ?? file.redis.url,
    redisKeyPrefix: file.redis.key_prefix,
    auth: { cacheTtlMs: file.auth.cache_ttl_ms, cacheMaxEntries: file.auth.cache_max_entries },
    upstream: {
      maxAttempts: file.upstream.max_attempts,
      connectionsPerOrigin: file.upstream.connections_per_origin,
      failureThreshold: file.upstream.failure_threshold,
      cooldownMs: file.upstream.cooldown_ms,
      maxCooldownMs: file.upstream.max_cooldown_ms,
      imageFetch: {
        maxBytes: file.upstream.image_fetch.max_bytes,
        timeoutMs: file.upstream.image_fetch.timeout_ms,
        maxRedirects: file.upstream.image_fetch.max_redirects,
        maxImages: file.upstream.image_fetch.max_images,
        allowHosts: file.upstream.image_fetch.allow_hosts.map((host) => host.toLowerCase()),
      },
    },
    log: {
      level: (env.ONEKEY_LOG_LEVEL as GatewayConfig['log']['level'] | undefined) ?? file.log.level,
      requests: file.log.requests,
      retentionDays: file.log.retention_days,
      flushIntervalMs: file.log.flush_interval_ms,
    },
    cache: {
      enabled: file.cache.enabled,
      backend: cacheBackend,
      ttlMs: file.cache.ttl_ms,
      maxEntries: file.cache.max_entries,
      maxEntryBytes: file.cache.max_entry_bytes,
    },
    limits,
    billing,
    workspaces: { defaultLane: file.workspaces.default_lane },
    secrets,
    providers,
    models,
  }
}

function readLimits(
  file: FileConfig['limits'],
  redisUrl: string | null,
  problems: string[],
): GatewayConfig['limits'] {
  const backend = file.backend === 'auto' ? (redisUrl === null ? 'memory' : 'redis') : file.backend
  if (backend === 'redis' && redisUrl === null) problems.push('limits.backend: "redis" needs redis.url')
  if (file.tiers[file.default_tier] === undefined)
    problems.push(`limits.default_tier: no tier "${file.default_tier}" in limits.tiers`)
  return {
    backend,
    onRedisFailure: file.on_redis_failure,
    concurrencyLeaseMs: file.concurrency_lease_ms,
    defaultTier: file.default_tier,
    tiers: file.tiers,
  }
}

function readBilling(file: FileConfig['billing'], problems: string[]): GatewayConfig['billing'] {
  const amount = (value: string | number, field: string, decimals: number): number => {
    try {
      // USD with up to 9 decimals → nano-USD; a percent with up to 3 decimals → thousandths.
      return parseDecimal(value, decimals, field)
    } catch (error) {
      problems.push((error as Error).message)
      return 0
    }
  }
  return {
    enabled: file.enabled,
    holdTtlMs: file.hold_ttl_ms,
    sweepIntervalMs: file.sweep_interval_ms,
    defaultMaxOutputTokens: file.default_max_output_tokens,
    purchaseFeeFixedNano: amount(file.purchase_fee.fixed, 'billing.purchase_fee.fixed', 9),
    purchaseFeePercentMilli: amount(file.purchase_fee.percent, 'billing.purchase_fee.percent', 3),
    signupCreditNano: amount(file.signup_credit, 'billing.signup_credit', 9),
    creditExpiryDays: file.credit_expiry_days,
    headroomFactor: file.headroom_factor,
    headroomIdleMs: file.headroom_idle_ms,
    durableSettlement: file.durable_settlement,
  }
}

/** A 32-byte key from 64 hex digits or base64; undefined when it is neither. */
export function parseMasterKey(text: string): Buffer | undefined {
  const trimmed = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex')
  const decoded = Buffer.from(trimmed, 'base64')
  return decoded.byteLength === 32 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? decoded : undefined
}

function readSecrets(
  file: FileConfig['secrets'],
  env: Record<string, string | undefined>,
  problems: string[],
): GatewayConfig['secrets'] {
  const current = env[file.master_key_env]
  let masterKey: Buffer | null = null
  if (current !== undefined && current !== '') {
    masterKey = parseMasterKey(current) ?? null
    if (masterKey === null)
      problems.push(
        `secrets.master_key_env: ${file.master_key_env} must hold 32 bytes as 64 hex digits or base64`,
      )
  }
  const previousMasterKeys: Buffer[] = []
  for (const [index, text] of (env[file.previous_master_keys_env] ?? '').split(',').entries()) {
    if (text.trim() === '') continue
    const key = parseMasterKey(text)
    if (key === undefined)
      problems.push(
        `secrets.previous_master_keys_env: entry ${index + 1} of ${file.previous_master_keys_env} is not a 32-byte key`,
      )
    else previousMasterKeys.push(key)
  }
  const adminToken = env[file.admin_token_env]
  if (adminToken !== undefined && adminToken !== '' && adminToken.length < 24)
    problems.push(`secrets.admin_token_env: ${file.admin_token_env} must be at least 24 characters`)
  return { masterKey, previousMasterKeys, adminToken: adminToken ? adminToken : null }
}

/**
 * Finds the config file: `--config` flag, then `ONEKEY_CONFIG`, then `./onekey.yaml`, then the
 * offline example `./onekey.example.yaml`.
 */
export function resolveConfigPath(
  flagPath: string | undefined,
  env: Record<string, string | undefined>,
): string {
  const candidates = [flagPath, env.ONEKEY_CONFIG].filter((path): path is string => Boolean(path))
  if (candidates.length > 0) return resolve(candidates[0]!)
  for (const path of ['onekey.yaml', 'onekey.example.yaml']) if (existsSync(path)) return resolve(path)
  throw new ConfigError('no config file: pass --config <file>, set ONEKEY_CONFIG, or create onekey.yaml')
}

/** Reads, parses and validates the config file. */
export function loadConfig(
  options: {
    configPath?: string | undefined
    env?: Record<string, string | undefined>
    /** False for management commands, which never call an upstream. */
    requireSecrets?: boolean
  } = {},
): GatewayConfig {
  const env = options.env ?? process.env
  const path = resolveConfigPath(options.configPath, env)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(
      `cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    )
  }
  let document: unknown
  try {
    document = parseYaml(text)
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(error as Error).message}`)
  }
  return buildConfig(document, env, path, { requireSecrets: options.requireSecrets ?? true })
}

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
import { dirname, join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { parseDecimal } from '../contracts/usd.ts'
import { buildCatalogConfig, type ModelConfig } from './catalog-config.ts'
import { emptyConfigMessage, formatIssues } from './config-messages.ts'
import { type FileConfig, fileSchema } from './config-schema.ts'
import { ConfigError, type GatewayConfig, type StorageConfig } from './config-types.ts'
import { readPayments } from './payments-config.ts'
import type { ProviderConfig } from './provider-config.ts'
import { readTracingConfig } from './tracing-config.ts'
import { type ProviderKind, VENDOR_KINDS, type VendorKind } from './vendor-kinds.ts'

export type { Lane, ModelConfig, OfferConfig } from './catalog-config.ts'
export {
  type AlertsConfig,
  ConfigError,
  type GatewayConfig,
  type ImageFetchConfig,
  type StorageConfig,
  type TierLimits,
} from './config-types.ts'
export type { AccountConfig, ProviderConfig, TimeoutConfig } from './provider-config.ts'
export { PROVIDER_KINDS, type ProviderKind } from './vendor-kinds.ts'

const DEFAULT_BASE_URLS: Record<ProviderKind, string> = {
  ...Object.fromEntries(Object.entries(VENDOR_KINDS).map(([kind, preset]) => [kind, preset.defaultBaseUrl])),
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
  // An empty file (or one of comments only) parses to null.
  if (document === null || document === undefined) throw new ConfigError(emptyConfigMessage(source))
  const parsed = fileSchema.safeParse(document)
  if (!parsed.success)
    throw new ConfigError(
      `invalid config (${source}):\n  ${formatIssues(parsed.error, fileSchema).join('\n  ')}`,
    )
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
        (provider.kind in VENDOR_KINDS ? VENDOR_KINDS[provider.kind as VendorKind].authHeader : 'bearer'),
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
  const secrets = readSecrets(file.secrets, env, problems, env.ONEKEY_STORAGE_URL ?? file.storage.url)
  const billing = readBilling(file.billing, problems)
  const payments = readPayments(file.payments, env, problems)
  const redisUrl = env.ONEKEY_REDIS_URL ?? file.redis.url
  const redisClusterNodes =
    env.ONEKEY_REDIS_CLUSTER_NODES?.split(',')
      .map((node) => node.trim())
      .filter(Boolean) ?? file.redis.cluster_nodes
  if (redisClusterNodes.some((node) => !/^rediss?:\/\/\S+$/.test(node)))
    problems.push('redis.cluster_nodes (ONEKEY_REDIS_CLUSTER_NODES): each a redis:// or rediss:// URL')
  if (redisUrl !== null && redisClusterNodes.length > 0)
    problems.push('redis: set either url (standalone) or cluster_nodes (cluster), not both')
  if (/[{}]/.test(file.redis.key_prefix))
    problems.push('redis.key_prefix: no "{" or "}" (they would become the hash tag of every key)')
  const redisConfigured = redisUrl !== null || redisClusterNodes.length > 0
  const limits = readLimits(file.limits, redisConfigured, problems)
  const tracing = readTracingConfig(env, problems)
  const cacheBackend =
    file.cache.backend === 'auto' ? (redisConfigured ? 'redis' : 'memory') : file.cache.backend
  if (cacheBackend === 'redis' && !redisConfigured)
    problems.push('cache.backend: "redis" needs redis.url or redis.cluster_nodes')

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
    redisUrl,
    redisClusterNodes,
    redisKeyPrefix: file.redis.key_prefix,
    auth: { cacheTtlMs: file.auth.cache_ttl_ms, cacheMaxEntries: file.auth.cache_max_entries },
    upstream: {
      maxAttempts: file.upstream.max_attempts,
      maxRetryWaitMs: file.upstream.max_retry_wait_ms,
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
    console: {
      enabled: file.console.enabled,
      signup: file.console.signup,
      publicUrl: (
        file.console.public_url ?? `http://${publicHost(env.ONEKEY_HOST ?? file.server.host)}:${port}`
      ).replace(/\/+$/, ''),
      sessionIdleMs: file.console.session_idle_minutes * 60_000,
      sessionMaxMs: file.console.session_max_days * 86_400_000,
      signInAttempts: file.console.sign_in_attempts,
    },
    smtp: {
      url: env.ONEKEY_SMTP_URL ?? file.smtp.url,
      password: env[file.smtp.password_env] ?? null,
      from: file.smtp.from,
    },
    site: {
      name: file.site.name,
      supportEmail: file.site.support_email,
      enabled: file.site.enabled ?? file.console.enabled,
      tagline: file.site.tagline,
      logoUrl: file.site.logo_url,
      colors: { accent: file.site.colors.accent, accentDark: file.site.colors.accent_dark },
      legal: { termsUrl: file.site.legal.terms_url, privacyUrl: file.site.legal.privacy_url },
      pages: {
        home: file.site.pages.home,
        models: file.site.pages.models,
        docs: file.site.pages.docs,
        apiReference: file.site.pages.api_reference,
        playground: file.site.pages.playground,
      },
      laneNames: file.site.lane_names,
    },
    payments,
    alerts: {
      pollIntervalMs: file.alerts.poll_interval_ms,
      retryBaseMs: file.alerts.retry_base_ms,
      retryForMs: Math.round(file.alerts.retry_for_hours * 3_600_000),
      timeoutMs: file.alerts.timeout_ms,
      allowPrivateWebhookTargets: file.alerts.allow_private_webhook_targets,
    },
    secrets,
    providers,
    models,
    tracing,
  }
}

/** A host to put in a URL: a wildcard listen address becomes 127.0.0.1, IPv6 gets brackets. */
function publicHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

function readLimits(
  file: FileConfig['limits'],
  redisConfigured: boolean,
  problems: string[],
): GatewayConfig['limits'] {
  const backend = file.backend === 'auto' ? (redisConfigured ? 'redis' : 'memory') : file.backend
  if (backend === 'redis' && !redisConfigured)
    problems.push('limits.backend: "redis" needs redis.url or redis.cluster_nodes')
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
    verifyIntervalMs: file.verify_interval_minutes * 60_000,
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
  storageUrl: string,
): GatewayConfig['secrets'] {
  const current = env[file.master_key_env]
  let masterKey: Buffer | null = null
  let masterKeyFile: string | null = null
  if (current !== undefined && current !== '') {
    masterKey = parseMasterKey(current) ?? null
    if (masterKey === null)
      problems.push(
        `secrets.master_key_env: ${file.master_key_env} must hold 32 bytes as 64 hex digits or base64`,
      )
  } else if (env.NODE_ENV !== 'production') {
    // The embedded default keeps its key beside the database; production brings its own.
    try {
      const storage = parseStorageUrl(storageUrl)
      if (storage.kind === 'sqlite' && storage.path !== ':memory:')
        masterKeyFile = join(dirname(resolve(storage.path)), 'master.key')
    } catch {
      // A bad storage URL is reported with the storage settings.
    }
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
  return { masterKey, masterKeyFile, previousMasterKeys, adminToken: adminToken ? adminToken : null }
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

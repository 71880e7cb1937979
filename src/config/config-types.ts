/**
 * The validated configuration every module receives, and the error that names a bad field.
 *
 * @module
 */

import type { TracingConfig } from '../metrics/tracing.ts'
import type { Lane, ModelConfig } from './catalog-config.ts'
import type { StripeConfig } from './payments-config.ts'
import type { ProviderConfig } from './provider-config.ts'

/** Limits for images the gateway fetches on a client's behalf (see src/gateway/attempt/fetch-image.ts). */
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
  /** A standalone Redis; null when none (or when `redisClusterNodes` names a cluster). */
  redisUrl: string | null
  /** Seed nodes of a Redis Cluster; empty for a standalone Redis (see ratelimit/redis-connection.ts). */
  redisClusterNodes: string[]
  redisKeyPrefix: string
  auth: { cacheTtlMs: number; cacheMaxEntries: number }
  upstream: {
    maxAttempts: number
    /** Longest wait for a resting account (or backoff before a 5xx retry) when nothing else is left; 0 disables. */
    maxRetryWaitMs: number
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
    /** How often each instance runs `ledger verify` for /metrics (0: never). */
    verifyIntervalMs: number
  }
  workspaces: { defaultLane: Exclude<Lane, 'byok'> }
  console: ConsoleConfig
  smtp: { url: string | null; password: string | null; from: string }
  payments: { stripe: StripeConfig | null }
  alerts: AlertsConfig
  site: SiteConfig
  secrets: {
    /** Encrypts BYOK credentials; null when not configured (BYOK storage is then off). */
    masterKey: Buffer | null
    /**
     * Without a master key in the environment, embedded SQLite on disk outside production keeps
     * one in this file beside the database (`byok/local-master-key.ts`); null otherwise.
     */
    masterKeyFile: string | null
    previousMasterKeys: Buffer[]
    adminToken: string | null
  }
  providers: ProviderConfig[]
  models: ModelConfig[]
  /** OpenTelemetry tracing from the standard `OTEL_*` variables; null when off (tracing-config.ts). */
  tracing: TracingConfig | null
}

/** The operator's brand and public pages (`site:` in the file); see src/site/site-settings.ts. */
export interface SiteConfig {
  name: string
  supportEmail: string | null
  /** Serve the public pages; defaults to the console's `enabled`. */
  enabled: boolean
  tagline: string
  /** An https URL or a path on this gateway; null: the name alone. */
  logoUrl: string | null
  /** `#rrggbb` accents for light and dark. */
  colors: { accent: string; accentDark: string }
  legal: { termsUrl: string | null; privacyUrl: string | null }
  pages: { home: boolean; models: boolean; docs: boolean; apiReference: boolean; playground: boolean }
  /** What buyers read for each lane (the IDs stay `cheap/*`, `resale/*`, `byok/*`). */
  laneNames: { cheap: string; resale: string; byok: string }
}

/** The console and its accounts (`console:` in the file). */
export interface ConsoleConfig {
  enabled: boolean
  signup: 'open' | 'invite_only' | 'closed'
  /** Where buyers reach the gateway, without a trailing slash (e.g. https://api.example.com). */
  publicUrl: string
  sessionIdleMs: number
  sessionMaxMs: number
  signInAttempts: number
}

/** Alert deliveries (`alerts:` in the file). */
export interface AlertsConfig {
  pollIntervalMs: number
  retryBaseMs: number
  /** How long after its alert a delivery is retried before it is marked failed. */
  retryForMs: number
  timeoutMs: number
  /** Webhooks may reach private, loopback and link-local addresses (and loopback over http). */
  allowPrivateWebhookTargets: boolean
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

/**
 * The config file's schema (zod): every field, its type, bound and default. config.ts validates
 * a document against it and turns the result into a {@link GatewayConfig}.
 *
 * @module
 */

import { z } from 'zod'
import { modelSchema } from './catalog-config.ts'
import { paymentsSchema } from './payments-config.ts'
import { PROVIDER_KINDS } from './vendor-kinds.ts'

const positiveInteger = z.number().int().positive()
const nonNegativeInteger = z.number().int().nonnegative()
/** A colour of the public pages' brand: `#rrggbb`. */
const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
/** A path on this gateway, e.g. /legal/terms. */
const sitePath = z.string().regex(/^\/(?!\/)[^\s"'<>\\]*$/, 'a path starting with /')
/** A link on the public pages: an http(s) URL or a path on this gateway. */
const siteLink = z.union([z.url({ protocol: /^https?$/ }), sitePath])
const laneName = z.string().min(1).max(24)

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

export const fileSchema = z.strictObject({
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
      /** A standalone Redis: `redis://host:6379` (or `rediss://`). */
      url: z.string().nullable().default(null),
      /** A Redis Cluster instead: seed nodes (`redis://host:7001`, …); the others are discovered. */
      cluster_nodes: z
        .array(z.string().regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL'))
        .default([]),
      /** Prefix of every key and channel, so several deployments can share one Redis. */
      key_prefix: z.string().default('onekey:'),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /**
       * How long a key lookup is trusted before it is re-read in the background: a safety net, since
       * changes reach every instance as notifications within about a second (change-notifications.ts).
       */
      cache_ttl_ms: positiveInteger.default(300_000),
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
      /**
       * When every alternative is resting or already tried, how long a request may wait for an
       * account's rest to end (or back off before retrying a 5xx'd account once); 0 disables.
       */
      max_retry_wait_ms: nonNegativeInteger.max(60_000).default(2_000),
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
      /** `memory` (per instance), `redis` (shared; needs redis.url or redis.cluster_nodes), `auto` (Redis when configured). */
      backend: z.enum(['auto', 'memory', 'redis']).default('auto'),
      ttl_ms: positiveInteger.default(300_000),
      max_entries: positiveInteger.default(10_000),
      /** Larger answers are not cached. */
      max_entry_bytes: positiveInteger.default(256 * 1024),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Where counters and concurrency slots live: `memory` (one process) or `redis` (shared; needs redis.url or redis.cluster_nodes). */
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
      /** Each instance runs `ledger verify` this often, off the request path, for /metrics (0: never). */
      verify_interval_minutes: nonNegativeInteger.default(60),
    })
    .prefault({}),
  console: z
    .strictObject({
      /** Serve the console at /console and the account API (/api/v1/auth/*, members, audit). */
      enabled: z.boolean().default(true),
      /** Who may sign up: anyone, only people holding an invitation, or nobody. */
      signup: z.enum(['open', 'invite_only', 'closed']).default('open'),
      /**
       * The public address buyers reach (e.g. https://api.example.com): links in emails, the base
       * URL in snippets, the allowed `Origin`, and `Secure` cookies when https. Default: the
       * server's own http://host:port.
       */
      public_url: z.url().nullable().default(null),
      /** A session unused this long ends. */
      session_idle_minutes: positiveInteger.max(525_600).default(720),
      /** A session ends this long after sign-in, used or not. */
      session_max_days: positiveInteger.max(365).default(30),
      /** Failed sign-ins allowed per account, and per IP address, in 15 minutes. */
      sign_in_attempts: positiveInteger.default(10),
    })
    .prefault({}),
  alerts: z
    .strictObject({
      /** How often each instance looks for alert deliveries that are due. */
      poll_interval_ms: positiveInteger.max(60_000).default(1_000),
      /** The first retry's delay; each next one doubles (capped at an hour, with jitter). */
      retry_base_ms: positiveInteger.max(3_600_000).default(30_000),
      /** A delivery still failing this long after its alert is marked failed. */
      retry_for_hours: z.number().positive().max(720).default(24),
      /** A webhook receiver must answer within this. */
      timeout_ms: positiveInteger.max(120_000).default(10_000),
      /** Let webhooks reach private, loopback and link-local addresses (and loopback over http). */
      allow_private_webhook_targets: z.boolean().default(false),
    })
    .prefault({}),
  payments: paymentsSchema,
  smtp: z
    .strictObject({
      /** smtp://user@host:587 or smtps://…; null: links are written to the log instead. */
      url: z.string().nullable().default(null),
      /** Variable holding the SMTP password (kept out of the file). */
      password_env: z.string().min(1).default('ONEKEY_SMTP_PASSWORD'),
      from: z.string().min(3).default('OneKey <no-reply@localhost>'),
    })
    .prefault({}),
  site: z
    .strictObject({
      /** The brand buyers see in the console and emails. */
      name: z.string().min(1).max(60).default('OneKey'),
      support_email: z.email().nullable().default(null),
      /** Serve the public pages (/, /models, /docs, sitemap); null: only when the console is enabled. */
      enabled: z.boolean().nullable().default(null),
      /** One line under the name on the public pages. */
      tagline: z.string().min(1).max(140).default('One API key for every model, quoted by lane.'),
      /** The logo: an https URL or a path on this gateway (e.g. /site/logo.svg); null shows the name only. */
      logo_url: z
        .union([z.url({ protocol: /^https$/ }), sitePath])
        .nullable()
        .default(null),
      /** The accent colour of the public pages (`#rrggbb`), for light and for dark mode. */
      colors: z
        .strictObject({ accent: hexColor.default('#1f5fd1'), accent_dark: hexColor.default('#7fa8ff') })
        .prefault({}),
      /** Links in the public pages' footer; null hides the link. */
      legal: z
        .strictObject({
          terms_url: siteLink.nullable().default(null),
          privacy_url: siteLink.nullable().default(null),
        })
        .prefault({}),
      /** Which public pages this deployment serves. */
      pages: z
        .strictObject({
          home: z.boolean().default(true),
          models: z.boolean().default(true),
          docs: z.boolean().default(true),
          api_reference: z.boolean().default(true),
          playground: z.boolean().default(true),
        })
        .prefault({}),
      /** The lanes' names on the public pages (the model IDs stay `cheap/…`, `resale/…`, `byok/…`). */
      lane_names: z
        .strictObject({
          cheap: laneName.default('Cheap'),
          resale: laneName.default('Resale'),
          byok: laneName.default('BYOK'),
        })
        .prefault({}),
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

export type FileConfig = z.infer<typeof fileSchema>

/**
 * The composition root: config in, a listening gateway out. `onekey serve` and the tests both
 * start the gateway through here, so what is tested is what runs.
 *
 * @module
 */
import type { Server } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AlertService } from '../alerts/alert-service.ts'
import { createAuthenticator } from '../auth/authenticator.ts'
import type { AutoTopUp } from '../billing/auto-top-up.ts'
import type { BillingService } from '../billing/billing-service.ts'
import { scheduleLedgerVerify } from '../billing/ledger-verify-schedule.ts'
import { createByokCredentialService } from '../byok/byok-credential-service.ts'
import { createConfiguredCipher, localMasterKeyNotice } from '../byok/local-master-key.ts'
import type { GatewayConfig } from '../config/config.ts'
import { createLimitGate } from '../gateway/admit/request-limits.ts'
import { type AccountHealth, createAccountHealth } from '../gateway/attempt/account-health.ts'
import { createOfferStats, type OfferStats } from '../gateway/attempt/offer-stats.ts'
import { connectSharedHealth, type SharedHealth } from '../gateway/attempt/shared-health.ts'
import { createPromptCache, createRedisPromptCache, type PromptCache } from '../gateway/cache/prompt-cache.ts'
import { createApp } from '../http/app.ts'
import { createLogger, describeError, type Logger } from '../logging/logger.ts'
import type { RequestLogWriter } from '../logging/request-log-writer.ts'
import { createGatewayMetrics } from '../metrics/metrics.ts'
import { createMemoryRateLimiter } from '../ratelimit/memory-rate-limiter.ts'
import type { RateLimiter } from '../ratelimit/rate-limiter.ts'
import { redisTargetOf } from '../ratelimit/redis-connection.ts'
import { createRedisRateLimiter } from '../ratelimit/redis-rate-limiter.ts'
import { createWorkspaceService } from '../services/workspace-service.ts'
import { createDocsFactsSource } from '../site/docs-slots.ts'
import { createStore } from '../storage/create-store.ts'
import type { Store } from '../storage/store.ts'
import { loadTokenizers } from '../tokens/tokenizer.ts'
import { applyChangesToCaches } from './cache-invalidation.ts'
import { createConsoleServices, operatorDependencies, settlePublicUrl } from './console-services.ts'
import { listenHttp } from './listen-http.ts'
import {
  registerInstanceGauges,
  registerOperationsGauges,
  registerStorageGauges,
} from './operations-gauges.ts'
import { createReadiness } from './readiness.ts'
import { createReloadableRouting, tokenizersOf } from './reloadable-routing.ts'
import { createSettlementServices } from './settlement-services.ts'

export interface RunningGateway {
  /** e.g. `http://127.0.0.1:8787` */
  url: string
  port: number
  server: Server
  store: Store
  health: AccountHealth
  stats: OfferStats
  billing: BillingService
  /** Raises alerts (its `raise` is the AlertSink) and observes spend; settings and webhooks. */
  alerts: AlertService
  /** Charges saved cards when balances run low (told of every settlement batch). */
  autoTopUp: AutoTopUp
  requestLogs: RequestLogWriter
  logger: Logger
  /**
   * Re-reads the configuration and swaps the catalog, offers and providers without dropping
   * traffic: requests in flight finish on what they started with. Listener, storage and secrets
   * stay as they were (a restart changes those).
   */
  reload(): Promise<{ models: number; providers: number }>
  /** Stops accepting, lets open requests finish up to the grace period, then closes everything. */
  close(graceMs?: number): Promise<void>
}

export interface StartGatewayOptions {
  logger?: Logger
  /** Use this store instead of opening one from the config (tests share one). */
  store?: Store
  /** Where `reload()` gets the new configuration (the CLI re-reads the file). */
  loadConfig?: () => GatewayConfig
}

export async function startGateway(
  config: GatewayConfig,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ level: config.log.level })
  // Before anything opens: a refused key file leaves nothing to close.
  const cipher = createConfiguredCipher(config.secrets, (path) => logger.warn(localMasterKeyNotice(path)))
  // SQLite: WAL checkpoints off the request thread (sqlite-checkpointer.ts).
  const store =
    options.store ??
    (await createStore(config.storage, {
      sqliteCheckpointMs: 1_000,
      onCheckpointError: (error) =>
        logger.warn('background WAL checkpoint failed; commits checkpoint instead', describeError(error)),
    }))
  if (options.store === undefined && config.storage.autoMigrate) await store.migrate()

  // Circuits are shared through Redis when it is configured (shared-health.ts).
  let shared: SharedHealth | undefined
  await loadTokenizers(tokenizersOf(config.models))
  const health = createAccountHealth({
    ...config.upstream,
    onTransition: (account, transition) => shared?.publish(account, transition),
  })
  // Standalone or cluster: every Redis connection is made by ratelimit/redis-connection.ts.
  const redisTarget = redisTargetOf(config)
  if (redisTarget !== null) {
    try {
      shared = await connectSharedHealth({
        redis: redisTarget,
        keyPrefix: config.redisKeyPrefix,
        health: () => health,
        onError: (error) => logger.warn('shared health: redis error', describeError(error)),
      })
    } catch (error) {
      if (options.store === undefined) await store.close()
      throw new Error(`redis.url: cannot connect to Redis (${(error as Error).message})`)
    }
  }
  const stats = createOfferStats()
  // What a reload swaps: catalog, planner, providers (reloadable-routing.ts).
  const routes = createReloadableRouting({
    config,
    health,
    stats,
    logger,
    loadConfig: options.loadConfig,
  })
  const reload = routes.reload

  const byokCredentials = createByokCredentialService({
    store,
    cipher,
    byokProviders: () => {
      const { providers } = routes.current().config
      return new Set(providers.filter((provider) => provider.byok).map((provider) => provider.name))
    },
    cacheTtlMs: config.auth.cacheTtlMs,
  })
  try {
    await byokCredentials.verifyMasterKey()
  } catch (error) {
    await routes.current().registry.close()
    await shared?.close()
    if (options.store === undefined) await store.close()
    throw error
  }

  const { mailer, alerts, billing, requestLogs } = createSettlementServices({
    config,
    store,
    logger,
    // Settlements start after the server listens, when the console services exist.
    observeSpend: (observation) => consoleServices.autoTopUp.observeSpend(observation),
  })

  // Limits: in memory on one instance, on Redis across instances (with the configured policy
  // when Redis fails: see request-limits.ts).
  const fallbackLimiter = createMemoryRateLimiter()
  let sharedLimiter: RateLimiter | undefined
  if (config.limits.backend === 'redis' && redisTarget !== null) {
    try {
      sharedLimiter = await createRedisRateLimiter({
        redis: redisTarget,
        keyPrefix: `${config.redisKeyPrefix}rl:`,
      })
    } catch (error) {
      await shared?.close()
      await routes.current().registry.close()
      if (options.store === undefined) await store.close()
      throw new Error(`limits: cannot connect to Redis (${(error as Error).message})`)
    }
  }
  const metrics = createGatewayMetrics()
  registerStorageGauges(metrics.registry, store)
  const cacheResults = metrics.registry.counter(
    'onekey_cache_results_total',
    'Prompt cache lookups by result.',
  )
  let cache: PromptCache | undefined
  if (config.cache.enabled && config.cache.backend === 'redis' && redisTarget !== null) {
    cache = await createRedisPromptCache({
      redis: redisTarget,
      keyPrefix: config.redisKeyPrefix,
      ttlMs: config.cache.ttlMs,
      onError: (error) => logger.warn('prompt cache: redis error (treated as a miss)', describeError(error)),
    })
  } else if (config.cache.enabled) {
    cache = createPromptCache({ ttlMs: config.cache.ttlMs, maxEntries: config.cache.maxEntries })
  }
  const limits = createLimitGate({
    limiter: sharedLimiter ?? fallbackLimiter,
    fallback: fallbackLimiter,
    config: config.limits,
    logger,
    onDecision: (allowed) => metrics.limiterDecisions.inc({ result: allowed ? 'allowed' : 'refused' }),
  })

  const authenticator = createAuthenticator({
    apiKeys: store.apiKeys,
    cacheTtlMs: config.auth.cacheTtlMs,
    cacheMaxEntries: config.auth.cacheMaxEntries,
    onBackgroundError: (error) => logger.warn('auth background task failed', describeError(error)),
  })
  // Revocations and settings changes from any instance or the CLI drop cached entries (cache-invalidation.ts).
  const stopApplyingChanges = await applyChangesToCaches(store, { authenticator, byokCredentials })

  const workspaceService = createWorkspaceService(store, {
    signupCreditNano: config.billing.signupCreditNano,
  })
  const consoleServices = createConsoleServices({
    config,
    store,
    workspaceService,
    limiter: sharedLimiter ?? fallbackLimiter,
    logger,
    cipher,
    billing,
    mailer,
    alerts,
  })

  const readiness = createReadiness({
    ping: () => store.ping(),
    limits,
    limiterPolicy: config.limits.onRedisFailure,
    logger,
  })
  // OpenTelemetry: the SDK is loaded only when an OTLP endpoint is configured (config/tracing-config.ts).
  const tracing =
    config.tracing === null
      ? undefined
      : await (await import('../metrics/otel-tracing.ts')).startOtelTracing(config.tracing)
  const app = createApp({
    planner: () => routes.current().planner,
    providerRegistry: () => routes.current().registry,
    health,
    stats,
    byokCredentials,
    defaultLane: config.workspaces.defaultLane,
    workspaces: store.workspaces,
    invalidateWorkspace: (workspaceId) => authenticator.invalidateWorkspace(workspaceId),
    adminToken: () => routes.current().config.secrets.adminToken,
    reload,
    billing,
    limits,
    metrics,
    tracing,
    cache,
    cacheMaxEntryBytes: config.cache.maxEntryBytes,
    onCacheResult: (result) => cacheResults.inc({ result }),
    onUpstreamFailure: (provider, code) => metrics.upstreamErrors.inc({ provider, code }),
    requestLogs,
    ledger: store.ledger,
    requestLogRepository: store.requestLogs,
    workspaceService,
    ...consoleServices,
    alerts,
    alertSink: alerts,
    ...operatorDependencies(store, () => routes.current().config),
    apiKeys: store.apiKeys,
    budgets: store.budgets,
    defaultMaxOutputTokens: config.billing.defaultMaxOutputTokens,
    durableSettlement: config.billing.durableSettlement,
    maxAttempts: config.upstream.maxAttempts,
    maxRetryWaitMs: config.upstream.maxRetryWaitMs,
    imageFetch: config.upstream.imageFetch,
    authenticator,
    logger,
    bodyLimitBytes: config.server.bodyLimitBytes,
    logRequests: config.log.requests,
    catalogCreatedSeconds: Math.floor(Date.now() / 1000),
    docsFacts: createDocsFactsSource(config, () => routes.current().config.models),
    degradations: () =>
      limits.degraded
        ? ['rate limits are counted per instance: the shared limiter (Redis) is unreachable']
        : [],
    checkReady: () => readiness.check(),
  })

  registerInstanceGauges(metrics.registry, {
    inFlight: () => app.inFlight,
    billing,
    health,
    limits,
    limiterPolicy: config.limits.onRedisFailure,
    storageKind: config.storage.kind,
    storageReady: () => readiness.storageReady,
  })

  const { server, port, url } = await listenHttp(config.server, app.handle)
  settlePublicUrl(config, port)
  alerts.start()
  // `ledger verify` on a timer, for the alert rules (every instance: it only reads).
  const ledgerVerify =
    config.billing.verifyIntervalMs > 0
      ? scheduleLedgerVerify({
          ledger: store.ledger,
          logger,
          intervalMs: config.billing.verifyIntervalMs,
          retentionDays: config.log.retentionDays,
        })
      : undefined
  registerOperationsGauges(metrics.registry, {
    catalog: () => routes.current().planner.catalog,
    health,
    billing,
    ledgerVerify,
  })

  let closing: Promise<void> | undefined
  async function close(graceMs = config.server.shutdownGraceMs): Promise<void> {
    readiness.drain()
    server.close()
    const deadline = performance.now() + graceMs
    while (app.inFlight > 0 && performance.now() < deadline) {
      server.closeIdleConnections()
      await sleep(20)
    }
    server.closeAllConnections()
    metrics.close()
    await ledgerVerify?.close()
    await billing.close()
    // After billing: its last settlements may start a charge or raise alerts.
    await consoleServices.autoTopUp.idle()
    await alerts.close()
    mailer.close()
    await requestLogs.close()
    stopApplyingChanges()
    await authenticator
      .close()
      .catch((error: unknown) => logger.warn('flushing key use failed', describeError(error)))
    await routes.closeAll()
    await shared?.close()
    limits.close()
    await cache?.close()
    await sharedLimiter?.close().catch(() => {})
    await fallbackLimiter.close()
    if (options.store === undefined) await store.close()
    // Last: settlement spans end with the billing's last batch; this exports what is buffered.
    await tracing
      ?.shutdown()
      .catch((error: unknown) => logger.warn('exporting the last traces failed', describeError(error)))
    logger.flush()
  }

  return {
    url,
    port,
    server,
    store,
    health,
    stats,
    billing,
    alerts,
    autoTopUp: consoleServices.autoTopUp,
    requestLogs,
    logger,
    reload,
    close: (graceMs) => {
      closing ??= close(graceMs)
      return closing
    },
  }
}

/**
 * The part of the gateway a config reload swaps: catalog, route planner and provider registry.
 * Requests already running keep what they started with; the providers a reload retires close
 * once those requests finish.
 *
 * @module
 */
import { createCatalog } from '../catalog/catalog.ts'
import type { GatewayConfig } from '../config/config.ts'
import type { AccountHealth } from '../gateway/attempt/account-health.ts'
import type { OfferStats } from '../gateway/attempt/offer-stats.ts'
import { createRoutePlanner, type RoutePlanner } from '../gateway/route/route-planner.ts'
import { describeError, type Logger } from '../logging/logger.ts'
import { createProviderRegistry, type ProviderRegistry } from '../providers/registry.ts'
import { loadTokenizers } from '../tokens/tokenizer.ts'

/** One configuration's routing: the config it was built from, its providers and its planner. */
export interface Routing {
  config: GatewayConfig
  registry: ProviderRegistry
  planner: RoutePlanner
}

export interface ReloadableRoutingOptions {
  /** The configuration the gateway started with (reloads compare against it). */
  config: GatewayConfig
  health: AccountHealth
  stats: OfferStats
  logger: Logger
  /** Where `reload()` gets the new configuration; without it `reload()` throws. */
  loadConfig?: () => GatewayConfig
}

export interface ReloadableRouting {
  /** The routing new requests use (swapped by `reload()`). */
  current(): Routing
  /** Re-reads the configuration and swaps the routing; warns about fields that need a restart. */
  reload(): Promise<{ models: number; providers: number }>
  /** Closes the current providers and those retired by reloads still finishing. */
  closeAll(): Promise<void>
}

/** The tokenizers a catalog's models name (loaded before their routing is built). */
export function tokenizersOf(
  models: GatewayConfig['models'],
): NonNullable<GatewayConfig['models'][number]['tokenizer']>[] {
  return models.flatMap((model) => (model.tokenizer === undefined ? [] : [model.tokenizer]))
}

/**
 * Builds the routing for `options.config` and keeps it swappable: `reload()` builds the next one
 * from `options.loadConfig()` and retires the previous registry gracefully.
 */
export function createReloadableRouting(options: ReloadableRoutingOptions): ReloadableRouting {
  const { config, health, stats, logger } = options
  const buildRouting = (next: GatewayConfig): Routing => {
    const registry = createProviderRegistry(next)
    return {
      config: next,
      registry,
      planner: createRoutePlanner(createCatalog(next.models), registry, health, stats),
    }
  }
  let routing = buildRouting(config)
  const retiredRegistries = new Set<ProviderRegistry>()

  async function reload(): Promise<{ models: number; providers: number }> {
    if (options.loadConfig === undefined) throw new Error('this gateway was started without a config source')
    const next = options.loadConfig()
    await loadTokenizers(tokenizersOf(next.models))
    for (const field of ['server', 'storage', 'redisUrl', 'redisClusterNodes', 'secrets'] as const) {
      if (JSON.stringify(next[field]) !== JSON.stringify(config[field])) {
        logger.warn('config reload: a restart is needed for this change', { field })
      }
    }
    const previous = routing
    routing = buildRouting(next)
    // Requests already running keep their (old) transports: the retired pools close once those finish.
    retiredRegistries.add(previous.registry)
    previous.registry
      .close('graceful')
      .then(() => retiredRegistries.delete(previous.registry))
      .catch((error: unknown) => logger.warn('closing retired providers failed', describeError(error)))
    const summary = { models: next.models.length, providers: next.providers.length }
    logger.info('config reloaded', summary)
    return summary
  }

  return {
    current: () => routing,
    reload,
    closeAll: async () => {
      await Promise.all([routing.registry, ...retiredRegistries].map((registry) => registry.close()))
    },
  }
}

/**
 * Model ID → the ordered upstream targets to try. Routes are tried in config order; within a
 * route, accounts are drawn by weight among the healthy ones (weighted order without
 * replacement, so a retry lands on a different account). Targets are produced lazily so each
 * health decision is made just before the attempt.
 *
 * @module
 */
import type { AccountConfig, ModelConfig } from '../config/config.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { UpstreamTarget } from '../providers/provider-adapter.ts'
import type { ProviderRegistry, RegisteredProvider } from '../providers/registry.ts'
import type { AccountHealth } from './account-health.ts'

export interface PlannedAttempt {
  provider: RegisteredProvider
  target: UpstreamTarget
  /** Key for health tracking: `provider/account`. */
  accountKey: string
  weight: number
}

/** The attempts of one request, drawn one at a time so each health check is fresh. */
export interface AttemptCursor {
  /** The next healthy attempt, or undefined when every account was tried or skipped. */
  next(): PlannedAttempt | undefined
}

export interface RoutePlanner {
  /** The catalog entry for a model ID, or a 404 GatewayError. */
  resolveModel(modelId: string): ModelConfig
  models(): readonly ModelConfig[]
  /** The attempts for a model, best first. */
  attempts(model: ModelConfig): AttemptCursor
}

export function accountKeyOf(providerName: string, account: AccountConfig): string {
  return `${providerName}/${account.name}`
}

/** Weighted order without replacement (Efraimidis–Spirakis keys). */
export function weightedOrder<T extends { weight: number }>(items: readonly T[], random = Math.random): T[] {
  if (items.length <= 1) return [...items]
  return items
    .map((item) => ({ item, key: random() ** (1 / item.weight) }))
    .sort((a, b) => b.key - a.key)
    .map(({ item }) => item)
}

export function createRoutePlanner(
  models: readonly ModelConfig[],
  registry: ProviderRegistry,
  health: AccountHealth,
  random: () => number = Math.random,
): RoutePlanner {
  const byId = new Map(models.map((model) => [model.id, model]))
  // Every attempt a model can make, built once: a request allocates nothing for its plan when
  // its routes have one account each (the weighted shuffle only runs for several).
  const plans = new Map<string, PlannedAttempt[][]>()
  for (const model of models) {
    const routes: PlannedAttempt[][] = []
    for (const route of model.routes) {
      const provider = registry.get(route.provider)
      if (provider === undefined) continue
      routes.push(
        provider.config.accounts.map((account) => ({
          provider,
          accountKey: accountKeyOf(provider.config.name, account),
          weight: account.weight,
          target: { provider: provider.config, account, upstreamModel: route.model },
        })),
      )
    }
    plans.set(model.id, routes)
  }
  return {
    resolveModel(modelId) {
      const model = byId.get(modelId)
      if (model === undefined) {
        throw new GatewayError(
          'model_not_found',
          `The model \`${modelId}\` does not exist or you do not have access to it.`,
          {
            param: 'model',
          },
        )
      }
      return model
    },
    models: () => models,
    attempts(model) {
      const routes = plans.get(model.id) ?? []
      let routeIndex = 0
      let order: readonly PlannedAttempt[] = []
      let index = 0
      return {
        next() {
          for (;;) {
            if (index < order.length) {
              const attempt = order[index++]!
              if (health.tryAcquire(attempt.accountKey)) return attempt
              continue
            }
            const accounts = routes[routeIndex++]
            if (accounts === undefined) return undefined
            order = accounts.length === 1 ? accounts : weightedOrder(accounts, random)
            index = 0
          }
        },
      }
    },
  }
}

/**
 * The stages a request tries in order: a stored BYOK key (lane `byok`), or a `byok_conf` key
 * first and then (unless `fallback: false`) the lane's own offers. Shared by every endpoint
 * that calls upstreams (chat, embeddings, completions, responses).
 *
 * @module
 * Product spec §2.
 */
import type { OutgoingHttpHeaders } from 'node:http'
import type { AuthenticatedKey } from '../../auth/authenticator.ts'
import type { ByokCredentialService } from '../../byok/byok-credential-service.ts'
import type { Lane, ModelConfig, OfferConfig } from '../../config/config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { RequestContext } from '../request-context.ts'
import { checkRequestInput } from './input-check.ts'
import { type ResolvedRoute, resolveRoute } from './resolve-route.ts'
import type { AttemptCursor, OfferFilter, PlannedAttempt, RoutePlanner } from './route-planner.ts'
import type { RoutingOptions } from './routing-options.ts'

export interface Stage {
  cursor: AttemptCursor
  lane: Lane
  byokProvider: string | undefined
  models: readonly ModelConfig[]
  /** `stored`: lane byok, the workspace's saved key; `request`: a `byok_conf` key. */
  byok: 'stored' | 'request' | undefined
}

/** What a request will try: its route, primary model, offer filter and stages. */
export interface PlannedRequest {
  route: ResolvedRoute
  primary: ModelConfig
  filter: OfferFilter
  stages: Stage[]
}

/**
 * Resolves the model ID to a lane and models (each checked by `checkModel`, e.g. "is a chat
 * model"), notes them on the request log and plans the stages. A request with images, files or
 * audio keeps only offers that take them, and is a 400 when no stage has one.
 */
export async function planRequest(
  context: RequestContext,
  planner: RoutePlanner,
  options: RoutingOptions,
  modelId: string,
  defaultLane: Exclude<Lane, 'byok'>,
  byokCredentials: ByokCredentialService,
  checkModel: (model: ModelConfig) => void,
): Promise<PlannedRequest> {
  const key = context.key!
  const route = resolveRoute(
    planner.catalog,
    key,
    key.defaultLane ?? defaultLane,
    modelId,
    options.fallbackModels,
  )
  for (const model of route.models) checkModel(model)
  const primary = route.models[0]!
  context.log.model = primary.id
  context.log.lane = route.lane
  const filter: OfferFilter = {
    preferences: options.preferences,
    denyDataCollection: key.denyDataCollection || options.preferences?.dataCollection === 'deny',
    inputModalities: options.input?.modalities,
  }
  const stages = await planStages(planner, key, route, options.byok, filter, byokCredentials)
  if (options.input !== undefined) checkRequestInput(planner.catalog, key, route, stages, options.input)
  return { route, primary, filter, stages }
}

/** Notes an attempt on the request log; returns the `x-onekey-*` headers its answer carries. */
export function startAttempt(
  context: RequestContext,
  attempt: PlannedAttempt,
  attemptCount: number,
  generationId: string,
): OutgoingHttpHeaders {
  context.log.attempts = attemptCount
  context.log.lane = attempt.lane
  context.log.provider = attempt.provider.config.name
  context.log.account = attempt.target.account.name
  context.log.upstreamModel = attempt.target.upstreamModel
  const headers: OutgoingHttpHeaders = {
    'x-onekey-generation-id': generationId,
    'x-onekey-lane': attempt.lane,
    'x-onekey-provider': attempt.provider.config.name,
    'x-onekey-model': attempt.target.upstreamModel,
  }
  if (attemptCount > 1) headers['x-onekey-attempts'] = String(attemptCount)
  return headers
}

/** Builds the stages for a resolved route (403/400 for a missing or mismatched BYOK key). */
export async function planStages(
  planner: RoutePlanner,
  key: AuthenticatedKey,
  route: ResolvedRoute,
  byok: RoutingOptions['byok'],
  filter: OfferFilter,
  byokCredentials: ByokCredentialService,
): Promise<Stage[]> {
  const primary = route.models[0]!
  const stages: Stage[] = []
  if (route.lane === 'byok') {
    const provider = route.byokProvider!
    if (byok !== undefined && byok.provider !== provider) {
      throw new GatewayError(
        'invalid_parameter',
        `byok_conf.provider \`${byok.provider}\` does not match the model's provider \`${provider}\`.`,
        { param: 'byok_conf.provider' },
      )
    }
    const apiKey =
      byok?.provider === provider ? byok.apiKey : await byokCredentials.resolve(key.workspaceId, provider)
    if (apiKey === undefined) {
      throw new GatewayError(
        'byok_credential_missing',
        `No BYOK key is stored for provider \`${provider}\`: save one with PUT /api/v1/byok/${provider}, or pass byok_conf.`,
        { param: 'model' },
      )
    }
    stages.push({
      cursor: planner.plan({ ...filter, lane: 'byok', models: route.models, byok: { provider, apiKey } }),
      lane: 'byok',
      byokProvider: provider,
      models: route.models,
      byok: 'stored',
    })
  } else {
    if (byok !== undefined) {
      const provider = byok.provider
      const byokModels = route.models.filter(
        (model) => planner.catalog.offers(model, 'byok', provider).length > 0,
      )
      if (byokModels.length === 0) {
        throw new GatewayError(
          'invalid_parameter',
          `\`${primary.id}\` cannot be served with a \`${provider}\` key: the catalog has no byok/${provider} offer for it.`,
          { param: 'byok_conf.provider' },
        )
      }
      stages.push({
        cursor: planner.plan({
          ...filter,
          lane: 'byok',
          models: byokModels,
          byok: { provider, apiKey: byok.apiKey },
        }),
        lane: 'byok',
        byokProvider: provider,
        models: byokModels,
        byok: 'request',
      })
    }
    if (byok === undefined || byok.fallback) {
      stages.push({
        cursor: planner.plan({ ...filter, lane: route.lane, models: route.models }),
        lane: route.lane,
        byokProvider: undefined,
        models: route.models,
        byok: undefined,
      })
    }
  }

  return stages
}

/** Every model and offer the stages may use (the billing hold covers the priciest). */
export function stageCandidates(
  planner: RoutePlanner,
  stages: readonly Stage[],
  filter: OfferFilter,
): { model: ModelConfig; offer: OfferConfig }[] {
  return stages.flatMap((stage) =>
    stage.models.flatMap((model) =>
      planner
        .selectOffers(model, stage.lane, filter, stage.byokProvider)
        .offers.map((offer) => ({ model, offer })),
    ),
  )
}

/**
 * `GET /v1/models` and `GET /v1/models/{id}`: exactly the lane-prefixed IDs the calling key may
 * use (its lane and model restrictions, the workspace's privacy setting and stored BYOK keys
 * applied), plus the plain IDs of the workspace's default lane. Each entry is an OpenAI Model
 * with OneKey's catalog fields added: name, lane, context length, modalities, capabilities and
 * the lane's published prices, every component (or "quote on request").
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/models
 */
import type { AuthenticatedKey } from '../../auth/authenticator.ts'
import { keyMayUse } from '../../auth/key-access.ts'
import { laneModelId, parseModelId } from '../../catalog/model-id.ts'
import { publicPrice } from '../../catalog/published-price.ts'
import type { Lane, ModelConfig, OfferConfig } from '../../config/config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { RoutePlanner } from '../../gateway/route/route-planner.ts'

export { type PublishedPrice, publicPrice, QUOTE_ON_REQUEST } from '../../catalog/published-price.ts'

export interface ModelListEntry {
  id: string
  object: 'model'
  created: number
  owned_by: string
  name: string
  lane: Lane
  context_length: number | null
  max_output_tokens: number | null
  modalities: { input: readonly string[]; output: readonly string[] }
  capabilities: readonly string[]
  pricing: ReturnType<typeof publicPrice>
}

export interface ModelsRouteDependencies {
  planner(): RoutePlanner
  /** Providers the workspace stored a BYOK key for. */
  byokProviders(workspaceId: string): Promise<ReadonlySet<string>>
  defaultLane: Exclude<Lane, 'byok'>
  createdSeconds: number
}

export function createModelsRoute(dependencies: ModelsRouteDependencies) {
  function entry(model: ModelConfig, id: string, lane: Lane, offer: OfferConfig): ModelListEntry {
    return {
      id,
      object: 'model',
      created: dependencies.createdSeconds,
      owned_by: model.ownedBy,
      name: model.name,
      lane,
      context_length: model.contextLength ?? null,
      max_output_tokens: model.maxOutputTokens ?? null,
      modalities: model.modalities,
      capabilities: model.capabilities,
      pricing: publicPrice(offer),
    }
  }

  /** Every entry the key may use, in catalog order. */
  async function entries(key: AuthenticatedKey): Promise<ModelListEntry[]> {
    const planner = dependencies.planner()
    const filter = { preferences: undefined, denyDataCollection: key.denyDataCollection }
    const defaultLane = key.defaultLane ?? dependencies.defaultLane
    const byokProviders = await dependencies.byokProviders(key.workspaceId)
    const list: ModelListEntry[] = []
    for (const model of planner.catalog.models) {
      const first = (lane: Lane, provider?: string) =>
        planner.selectOffers(model, lane, filter, provider).offers[0]
      const plain = first(defaultLane)
      if (plain !== undefined && keyMayUse(key, defaultLane, laneModelId(defaultLane, model.id), model.id)) {
        list.push(entry(model, model.id, defaultLane, plain))
      }
      for (const lane of ['cheap', 'resale'] as const) {
        const offer = first(lane)
        const id = laneModelId(lane, model.id)
        if (offer !== undefined && keyMayUse(key, lane, id, model.id))
          list.push(entry(model, id, lane, offer))
      }
      for (const provider of new Set(planner.catalog.offers(model, 'byok').map((offer) => offer.provider))) {
        const offer = first('byok', provider)
        const id = laneModelId('byok', model.id, provider)
        if (offer !== undefined && byokProviders.has(provider) && keyMayUse(key, 'byok', id, model.id)) {
          list.push(entry(model, id, 'byok', offer))
        }
      }
    }
    return list
  }

  return {
    async list(key: AuthenticatedKey): Promise<string> {
      return JSON.stringify({ object: 'list', data: await entries(key) })
    },
    /** The model's JSON as the key sees it, or a 404. */
    async get(key: AuthenticatedKey, id: string): Promise<string> {
      const parsed = parseModelId(id)
      const model = dependencies.planner().catalog.find(parsed.model)
      const canonical =
        model === undefined
          ? undefined
          : parsed.lane === undefined
            ? model.id
            : laneModelId(parsed.lane, model.id, parsed.byokProvider)
      const found =
        canonical === undefined ? undefined : (await entries(key)).find((item) => item.id === canonical)
      if (found === undefined) {
        throw new GatewayError(
          'model_not_found',
          `The model \`${id}\` does not exist or you do not have access to it.`,
          {
            param: 'model',
          },
        )
      }
      return JSON.stringify(found)
    },
  }
}

/**
 * A request's model IDs → its lane and catalog models, with the key's restrictions checked.
 * One request stays in one lane: `model` picks it (a plain ID takes the workspace's default),
 * and every `models[]` entry must be in the same lane or plain.
 *
 * @module
 * Product spec §2.
 */

import type { AuthenticatedKey } from '../../auth/authenticator.ts'
import { checkKeyAccess } from '../../auth/key-access.ts'
import type { Catalog } from '../../catalog/catalog.ts'
import { laneModelId, parseModelId } from '../../catalog/model-id.ts'
import type { Lane, ModelConfig } from '../../config/config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'

export interface ResolvedRoute {
  lane: Lane
  /** For lane `byok`: whose provider. */
  byokProvider: string | undefined
  /** `model` first, then `models[]`, without repeats. */
  models: readonly ModelConfig[]
}

type KeyAccess = Pick<AuthenticatedKey, 'allowedLanes' | 'allowedModels'>

function notFound(id: string, param: string): GatewayError {
  return new GatewayError(
    'model_not_found',
    `The model \`${id}\` does not exist or you do not have access to it.`,
    {
      param,
    },
  )
}

/** Resolves one ID in a lane: 404 when unknown or not offered there (naming the lanes that have it). */
export function resolveLaneModel(
  catalog: Catalog,
  id: string,
  lane: Lane,
  byokProvider: string | undefined,
  param: string,
): ModelConfig {
  const parsed = parseModelId(id, param)
  const model = catalog.find(parsed.model)
  if (model === undefined) throw notFound(id, param)
  if (catalog.offers(model, lane, byokProvider).length === 0) {
    const elsewhere = catalog
      .lanes(model)
      .filter((other) => other !== 'byok')
      .map((other) => laneModelId(other, model.id))
    const byokProviders = [...new Set(catalog.offers(model, 'byok').map((offer) => offer.provider))]
    const available = [
      ...elsewhere,
      ...byokProviders.map((provider) => laneModelId('byok', model.id, provider)),
    ]
    throw new GatewayError(
      'model_not_found',
      `The model \`${model.id}\` is not offered in the ${lane === 'byok' ? `byok/${byokProvider}` : lane} lane` +
        (available.length > 0
          ? `; available as ${available.map((other) => `\`${other}\``).join(', ')}.`
          : '.'),
      { param },
    )
  }
  return model
}

export function resolveRoute(
  catalog: Catalog,
  key: KeyAccess,
  defaultLane: Exclude<Lane, 'byok'>,
  modelId: string,
  fallbackModelIds: readonly string[],
): ResolvedRoute {
  const primary = parseModelId(modelId)
  const lane = primary.lane ?? defaultLane
  const byokProvider = primary.byokProvider
  const models: ModelConfig[] = []
  const ids = fallbackModelIds.length === 0 ? [modelId] : [modelId, ...fallbackModelIds]
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index]!
    const param = index === 0 ? 'model' : `models[${index - 1}]`
    const parsed = index === 0 ? primary : parseModelId(id, param)
    if (parsed.lane !== undefined && (parsed.lane !== lane || parsed.byokProvider !== byokProvider)) {
      throw new GatewayError(
        'invalid_parameter',
        `\`${id}\` is in a different lane than \`${modelId}\`: one request stays in one lane (${lane === 'byok' ? `byok/${byokProvider}` : lane}).`,
        { param },
      )
    }
    const model = resolveLaneModel(catalog, id, lane, byokProvider, param)
    checkKeyAccess(key, lane, laneModelId(lane, model.id, byokProvider), model.id, param)
    if (!models.includes(model)) models.push(model)
  }
  return { lane, byokProvider, models }
}

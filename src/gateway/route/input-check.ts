/**
 * Input modalities against the catalog: why an offer cannot take a request's content (the
 * planner's and the quote's reason), and the 400 when no offer of any requested model in the
 * request's stages can, raised while planning, so before limits, holds and upstream calls.
 *
 * @module
 * Product spec §2.
 */
import { keyMayUse } from '../../auth/key-access.ts'
import type { Catalog } from '../../catalog/catalog.ts'
import { laneModelId } from '../../catalog/model-id.ts'
import type { Lane, ModelConfig, OfferConfig } from '../../config/config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import {
  firstModality,
  locatePart,
  modalityBits,
  modalityNames,
  type RequestInput,
  takesInput,
} from './input-modalities.ts'

const MAX_SUGGESTIONS = 5

/** The needed bits nothing covers: the model's own list first, else the union of `offers`' lists. */
function missingModalities(model: ModelConfig, offers: readonly OfferConfig[], needed: number): number {
  const beyondModel = needed & ~modalityBits(model.modalities.input)
  if (beyondModel !== 0) return beyondModel
  let offered = 0
  for (const offer of offers) offered |= modalityBits(offer.inputModalities)
  return needed & ~offered
}

/**
 * Why none of `offers` (a model's offers in one lane) takes the `needed` input, e.g.
 * "`m` does not take file input" or "no offer of `m` in this lane takes audio input".
 */
export function unsupportedInputReason(
  model: ModelConfig,
  offers: readonly OfferConfig[],
  needed: number,
): string {
  const missing = missingModalities(model, offers, needed)
  if ((needed & ~modalityBits(model.modalities.input)) !== 0)
    return `\`${model.id}\` does not take ${modalityNames(missing)} input`
  return missing === 0
    ? `no offer of \`${model.id}\` in this lane takes ${modalityNames(needed)} input in one request`
    : `no offer of \`${model.id}\` in this lane takes ${modalityNames(missing)} input`
}

/** The stages' shape this check reads (`plan-stages.ts` `Stage`). */
interface StageModels {
  lane: Lane
  byokProvider: string | undefined
  models: readonly ModelConfig[]
}

type KeyAccess = Parameters<typeof keyMayUse>[0]

/**
 * Throws 400 `unsupported_parameter` when no offer of any model in any stage takes every
 * modality of the request's content; `param` names the first such content part. The message
 * names the model, the modality and (up to five) models of the lane the key may use that take it.
 */
export function checkRequestInput(
  catalog: Catalog,
  key: KeyAccess,
  route: StageModels,
  stages: readonly StageModels[],
  input: RequestInput,
): void {
  const needed = input.modalities
  for (const stage of stages) {
    for (const model of stage.models) {
      if (
        catalog
          .offers(model, stage.lane, stage.byokProvider)
          .some((offer) => takesInput(offer.inputModalities, needed))
      )
        return
    }
  }
  const { lane, byokProvider } = route
  const primary = route.models[0]!
  const missing = missingModalities(primary, catalog.offers(primary, lane, byokProvider), needed)
  const named = missing === 0 ? needed : missing
  const part = locatePart(input.messages, firstModality(named))
  const detail = part?.detail === undefined ? '' : ` (${part.detail})`
  const requested = laneModelId(lane, primary.id, byokProvider)
  const nor = route.models.length > 1 ? ', nor does any model in `models`' : ''
  const able = catalog.models
    .filter(
      (model) =>
        keyMayUse(key, lane, laneModelId(lane, model.id, byokProvider), model.id) &&
        catalog.offers(model, lane, byokProvider).some((offer) => takesInput(offer.inputModalities, needed)),
    )
    .map((model) => `\`${laneModelId(lane, model.id, byokProvider)}\``)
  const suggestion =
    able.length === 0
      ? `no model in this lane does.`
      : `models that do: ${able.slice(0, MAX_SUGGESTIONS).join(', ')}${able.length > MAX_SUGGESTIONS ? ', …' : ''}.`
  const what =
    missing === 0
      ? `${modalityNames(needed)} input in one request`
      : `${modalityNames(missing)} input${detail}`
  throw new GatewayError(
    'unsupported_parameter',
    `\`${requested}\` does not take ${what}${nor}; ${suggestion}`,
    {
      param: part?.param ?? 'messages',
    },
  )
}

/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the catalog as OpenAI lists it.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/models
 */
import type { ModelConfig } from '../../config/config.ts'
import type { RoutePlanner } from '../../gateway/route-planner.ts'
import type { OpenAIModel } from '../../providers/openai-wire.ts'

export function toOpenAIModel(model: ModelConfig, created: number): OpenAIModel {
  return { id: model.id, object: 'model', created, owned_by: model.ownedBy }
}

/** Pre-rendered bodies: the catalog changes only with the config. */
export function createModelsRoute(
  planner: Pick<RoutePlanner, 'models' | 'resolveModel'>,
  createdSeconds: number,
) {
  const models = planner.models()
  const list = JSON.stringify({
    object: 'list',
    data: models.map((model) => toOpenAIModel(model, createdSeconds)),
  })
  const byId = new Map(
    models.map((model) => [model.id, JSON.stringify(toOpenAIModel(model, createdSeconds))]),
  )
  return {
    list: () => list,
    /** The model's JSON, or the planner's 404 for an unknown ID. */
    get: (id: string): string => byId.get(planner.resolveModel(id).id)!,
  }
}

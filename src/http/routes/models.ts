/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the catalog as OpenAI lists it.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/models
 */
import type { ModelConfig } from '../../config/config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { OpenAIModel } from '../../providers/openai-wire.ts'

export function toOpenAIModel(model: ModelConfig, created: number): OpenAIModel {
  return { id: model.id, object: 'model', created, owned_by: model.ownedBy }
}

/** Pre-rendered bodies: the catalog changes only with the config. */
export function createModelsRoute(models: readonly ModelConfig[], createdSeconds: number) {
  const list = JSON.stringify({
    object: 'list',
    data: models.map((model) => toOpenAIModel(model, createdSeconds)),
  })
  const byId = new Map(
    models.map((model) => [model.id, JSON.stringify(toOpenAIModel(model, createdSeconds))]),
  )
  return {
    list: () => list,
    get(id: string): string {
      const body = byId.get(id)
      if (body === undefined) {
        throw new GatewayError(
          'model_not_found',
          `The model \`${id}\` does not exist or you do not have access to it.`,
          {
            param: 'model',
          },
        )
      }
      return body
    },
  }
}

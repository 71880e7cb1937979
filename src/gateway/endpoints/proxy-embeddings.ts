import type { ModelConfig } from '../../config/config.ts'
import type { OpenAIEmbeddingsRequest, OpenAIEmbeddingsResponse } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { estimateTextTokens } from '../../tokens/estimate-prompt-tokens.ts'
import { admitAndHold } from '../admit/admit-and-hold.ts'
import { sendForJson } from '../attempt/json-attempt.ts'
import { recordUsage } from '../deliver/attempt-outcome.ts'
import { encodeEmbeddingBase64 } from '../deliver/encode-embedding.ts'
import type { RequestContext } from '../request-context.ts'
import { stageCandidates } from '../route/plan-stages.ts'
import type { PlannedAttempt } from '../route/route-planner.ts'
import { planOneShot, runOneShotAttempts } from './one-shot-endpoint.ts'
import type { ChatCompletionProxyDependencies } from './proxy-chat-completion.ts'

const MAX_RESPONSE_BYTES = 256 * 1024 * 1024

/** Whether the catalog says the model embeds (rather than chats). */
export function isEmbeddingModel(model: ModelConfig): boolean {
  return model.modalities.output.includes('embedding') || model.capabilities.includes('embeddings')
}

function isEmbeddingsResponse(value: unknown): value is OpenAIEmbeddingsResponse {
  const typed = value as OpenAIEmbeddingsResponse | null
  return (
    typed !== null &&
    typeof typed === 'object' &&
    Array.isArray(typed.data) &&
    typed.data.every((item) => Array.isArray(item?.embedding) || typeof item?.embedding === 'string')
  )
}

async function callUpstream(
  context: RequestContext,
  attempt: PlannedAttempt,
  request: OpenAIEmbeddingsRequest,
  dependencies: ChatCompletionProxyDependencies,
): Promise<{ ok: true; body: OpenAIEmbeddingsResponse } | { ok: false; error: GatewayError }> {
  const { adapter, config } = attempt.provider
  if (adapter.toEmbeddingsRequest === undefined || !adapter.capabilities.embeddings) {
    return {
      ok: false,
      error: new GatewayError(
        'unsupported_endpoint',
        `The \`${config.name}\` upstream cannot serve /v1/embeddings.`,
        {
          param: 'model',
        },
      ),
    }
  }
  const upstreamRequest = adapter.toEmbeddingsRequest(request, attempt.target)
  return sendForJson(context, attempt, upstreamRequest, dependencies.health, {
    maxBytes: MAX_RESPONSE_BYTES,
    accept: (parsed) => {
      const body = upstreamRequest.translate === undefined ? parsed : upstreamRequest.translate(parsed)
      return isEmbeddingsResponse(body) ? body : undefined
    },
    expected: 'an embeddings list',
  })
}

export async function proxyEmbeddings(
  context: RequestContext,
  request: OpenAIEmbeddingsRequest & Record<string, unknown>,
  dependencies: ChatCompletionProxyDependencies,
): Promise<void> {
  const { generationId, planner, body, primary, filter, stages } = await planOneShot(
    context,
    dependencies,
    request,
    (model) => {
      if (!isEmbeddingModel(model)) {
        throw new GatewayError(
          'unsupported_endpoint',
          `\`${model.id}\` is not an embedding model; /v1/embeddings needs one (see GET /v1/models).`,
          { param: 'model' },
        )
      }
    },
  )
  // The upstream always answers floats; base64 is encoded here.
  const wantsBase64 = request.encoding_format === 'base64'
  const upstreamBody: OpenAIEmbeddingsRequest = {
    ...(body as unknown as OpenAIEmbeddingsRequest),
    encoding_format: 'float',
  }
  const inputs = typeof request.input === 'string' ? [request.input] : request.input
  const promptEstimate = inputs.reduce((sum, text) => sum + estimateTextTokens(text), 0)
  const { admission, billing } = await admitAndHold(context, dependencies, promptEstimate, {
    promptEstimate,
    candidates: stageCandidates(planner, stages, filter),
    outputCap: () => 0,
    forwardStreamUsage: false,
    durable: dependencies.durableSettlement === true,
  })
  await runOneShotAttempts(context, dependencies, {
    stages,
    primaryId: primary.id,
    generationId,
    admission,
    billing,
    body: upstreamBody,
    call: (attempt, sent) => callUpstream(context, attempt, sent, dependencies),
    async deliver(attempt, answer, headers) {
      const usage = {
        prompt_tokens: answer.usage?.prompt_tokens ?? promptEstimate,
        completion_tokens: 0,
        total_tokens: 0,
      }
      usage.total_tokens = usage.prompt_tokens
      recordUsage(context, usage, billing.answer)
      billing.markServed()
      const decorated: Record<string, unknown> & typeof usage = { ...usage }
      billing.answer.decorateUsage?.(decorated)
      if (billing.answer.beforeEnd !== undefined) await billing.answer.beforeEnd()
      const data = answer.data.map((item, index) => ({
        object: 'embedding' as const,
        index: typeof item.index === 'number' ? item.index : index,
        embedding:
          wantsBase64 && Array.isArray(item.embedding)
            ? encodeEmbeddingBase64(item.embedding)
            : item.embedding,
      }))
      context.writer.json(
        context,
        200,
        JSON.stringify({
          object: 'list',
          data,
          model: answer.model ?? attempt.target.upstreamModel,
          usage: {
            prompt_tokens: decorated.prompt_tokens,
            total_tokens: decorated.total_tokens,
            cost: decorated.cost,
            cost_details: decorated.cost_details,
          },
        }),
        headers,
      )
    },
  })
}

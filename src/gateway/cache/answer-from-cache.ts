/**
 * Answering a chat request from the prompt cache: look it up (unless the workspace, the request
 * or a `byok_conf` key opts out), and on a hit send the stored answer as JSON or as a replayed
 * SSE stream, billed at the offer's cached-input price. See prompt-cache.ts for the cache itself.
 *
 * @module
 * Product spec §8.
 */

import type { OpenAIChatCompletionRequest, OpenAIUsage } from '../../contracts/openai-wire.ts'
import type { RequestBilling } from '../admit/request-billing.ts'
import type { RequestContext } from '../request-context.ts'
import type { ResolvedRoute } from '../route/resolve-route.ts'
import { type PromptCache, promptCacheKey, replayAsStream } from './prompt-cache.ts'

/**
 * Looks the request up in the prompt cache and, on a hit, answers it (JSON, or SSE for a stream
 * request) billed at the offer's cached-input price. Returns 'served', the key to store the
 * fresh answer under, or undefined when the cache is off for this request.
 */
/** What answering from the cache needs of the endpoint's dependencies. */
export interface CacheDependencies {
  /** The prompt cache; undefined when `cache.enabled` is false. */
  cache?: PromptCache | undefined
  onCacheResult?: ((result: 'hit' | 'miss' | 'bypass') => void) | undefined
}

export async function answerFromCache(
  context: RequestContext,
  dependencies: CacheDependencies,
  route: ResolvedRoute,
  body: OpenAIChatCompletionRequest,
  withRequestKey: boolean,
  billing: RequestBilling,
  generationId: string,
): Promise<string | 'served' | undefined> {
  const cache = dependencies.cache
  const control = String(context.request.headers['cache-control'] ?? '').toLowerCase()
  // A key given for one request (byok_conf) is never answered from, or stored into, the cache.
  if (cache === undefined || !context.key!.promptCache || withRequestKey || control.includes('no-store')) {
    context.headers ??= {}
    context.headers['x-onekey-cache'] = 'bypass'
    dependencies.onCacheResult?.('bypass')
    return undefined
  }
  const key = promptCacheKey({
    workspaceId: context.key!.workspaceId,
    lane: route.lane,
    byokProvider: route.byokProvider,
    modelIds: route.models.map((model) => model.id),
    body,
  })
  const hit = control.includes('no-cache') ? undefined : await cache.get(key)
  const model = hit === undefined ? undefined : route.models.find((candidate) => candidate.id === hit.modelId)
  const offer = model?.offers.find((candidate) => candidate.key === hit!.offerKey)
  if (hit !== undefined && model !== undefined && offer !== undefined) {
    const parsed = JSON.parse(hit.body.toString('utf8')) as Parameters<typeof replayAsStream>[0] & {
      usage?: OpenAIUsage & Record<string, unknown>
    }
    const streaming = body.stream === true
    const usage: OpenAIUsage & Record<string, unknown> = parsed.usage ?? {
      prompt_tokens: hit.promptTokens,
      completion_tokens: hit.completionTokens,
      total_tokens: hit.promptTokens + hit.completionTokens,
    }
    // A hit costs the cached-input price for every token: nothing was generated.
    const rate = offer.price.cachedInput
    billing.serveFromCache({
      lane: hit.lane,
      model,
      offer: {
        ...offer,
        price: { input: rate, cachedInput: rate, output: rate, request: 0 },
        upstreamCost: undefined,
      },
      providerName: hit.providerName,
    })
    const log = context.log
    log.provider = hit.providerName
    log.upstreamModel = hit.upstreamModel
    log.promptTokens = usage.prompt_tokens
    log.completionTokens = usage.completion_tokens
    log.cachedTokens = usage.prompt_tokens
    log.finishReason =
      typeof parsed.choices?.[0]?.finish_reason === 'string' ? parsed.choices[0].finish_reason : undefined
    if (!streaming || billing.answer.forwardStreamUsage) billing.answer.decorateUsage?.(usage)
    else billing.answer.decorateUsage?.({ ...usage })
    const stream = streaming
      ? replayAsStream(parsed, billing.answer.forwardStreamUsage ? usage : undefined)
      : undefined
    if (!streaming || stream !== undefined) {
      const headers = {
        'x-onekey-cache': 'hit',
        'x-onekey-generation-id': generationId,
        'x-onekey-lane': hit.lane,
        'x-onekey-provider': hit.providerName,
        'x-onekey-model': hit.upstreamModel,
      }
      dependencies.onCacheResult?.('hit')
      // Durable settlement: the answer goes out once its charge is committed.
      if (billing.answer.beforeEnd !== undefined) await billing.answer.beforeEnd()
      if (stream === undefined) {
        parsed.usage = usage
        context.writer.json(context, 200, JSON.stringify(parsed), headers)
      } else {
        const bytes = Buffer.from(stream)
        context.response.writeHead(200, {
          ...context.headers,
          ...headers,
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          'x-request-id': context.requestId,
        })
        context.response.end(bytes)
        log.bytesOut = bytes.byteLength
        log.firstByteMs = Math.round(performance.now() - context.startMs)
      }
      return 'served'
    }
  }
  context.headers ??= {}
  context.headers['x-onekey-cache'] = 'miss'
  dependencies.onCacheResult?.('miss')
  return key
}

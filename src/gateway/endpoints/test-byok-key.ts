/**
 * "Test this key": one tiny chat request (one output token) through a workspace's stored BYOK key
 * to its provider, on the first catalog model with a BYOK offer for that provider, answering
 * whether the provider accepted the key. Nothing is billed (the request never enters the
 * pipeline's reservation or the request log) and no pooled or official account is touched: the
 * attempt is planned in the `byok` lane with the customer's key only.
 *
 * @module
 */
import type { ByokCredentialService } from '../../byok/byok-credential-service.ts'
import { GatewayError, toGatewayError } from '../../errors/gateway-error.ts'
import type { RoutePlanner } from '../route/route-planner.ts'

export interface ByokKeyTestDependencies {
  planner(): RoutePlanner
  byokCredentials: ByokCredentialService
}

export interface ByokKeyTestResult {
  ok: boolean
  /** The provider's HTTP status; null when it could not be reached. */
  status: number | null
  message: string
  latency_ms: number
  model: string
}

const TIMEOUT_MS = 15_000

/** Drains at most 64 KiB of a body (an error message), then lets the connection go. */
async function readSome(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    size += chunk.byteLength
    if (size > 65_536) break
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Tests the workspace's stored key for `provider`.
 * @throws GatewayError 404 when no key is stored or the catalog has no BYOK offer for the provider
 */
export async function testByokKey(
  dependencies: ByokKeyTestDependencies,
  workspaceId: string,
  provider: string,
): Promise<ByokKeyTestResult> {
  const apiKey = await dependencies.byokCredentials.resolve(workspaceId, provider)
  if (apiKey === undefined)
    throw new GatewayError('not_found', `No BYOK key is stored for provider \`${provider}\`.`, {
      param: 'provider',
    })
  const planner = dependencies.planner()
  const model = planner.catalog.models.find(
    (each) => planner.catalog.offers(each, 'byok', provider).length > 0,
  )
  if (model === undefined)
    throw new GatewayError(
      'not_found',
      `The catalog has no BYOK model for provider \`${provider}\` to test with.`,
      {
        param: 'provider',
      },
    )
  const attempt = planner
    .plan({
      lane: 'byok',
      models: [model],
      byok: { provider, apiKey },
      preferences: undefined,
      denyDataCollection: false,
    })
    .next()
  if (attempt === undefined)
    throw new GatewayError('not_found', `No BYOK route to provider \`${provider}\` to test with.`, {
      param: 'provider',
    })
  const { adapter, transport } = attempt.provider
  const request = adapter.toChatCompletionRequest(
    { model: attempt.target.upstreamModel, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 },
    attempt.target,
  )
  const startedMs = performance.now()
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  try {
    const response = await transport.send(request, attempt.target, { signal })
    const latency = Math.round(performance.now() - startedMs)
    if (response.status >= 200 && response.status < 300) {
      response.discard()
      return {
        ok: true,
        status: response.status,
        message: 'The provider accepted the key.',
        latency_ms: latency,
        model: model.id,
      }
    }
    const body = await readSome(response.body).finally(() => response.discard())
    const error = adapter.toGatewayError(response.status, body, response.headers, attempt.target)
    const rejected = response.status === 401 || response.status === 403
    return {
      ok: false,
      status: response.status,
      message: rejected ? `The provider rejected the key (${response.status}).` : error.message,
      latency_ms: latency,
      model: model.id,
    }
  } catch (error) {
    const failure = toGatewayError(error)
    return {
      ok: false,
      status: null,
      message: `The provider could not be reached: ${failure.message}`,
      latency_ms: Math.round(performance.now() - startedMs),
      model: model.id,
    }
  }
}

/**
 * One tiny chat request (one output token) to one upstream account, reporting whether it answered:
 * "test this key" for a workspace's stored BYOK key, and `onekey account test PROVIDER/ACCOUNT`
 * for an operator's account before selling it. Nothing is billed or logged; the request never
 * enters the pipeline, and only the named account is called.
 *
 * @module
 */
import type { ByokCredentialService } from '../../byok/byok-credential-service.ts'
import type { ModelConfig } from '../../config/catalog-config.ts'
import { GatewayError, toGatewayError } from '../../errors/gateway-error.ts'
import type { UpstreamTarget } from '../../providers/provider-adapter.ts'
import type { RegisteredProvider } from '../../providers/registry.ts'
import type { RoutePlanner } from '../route/route-planner.ts'

export interface ProbeResult {
  ok: boolean
  /** The provider's HTTP status; null when it could not be reached. */
  status: number | null
  message: string
  latency_ms: number
  /** The catalog model the request used. */
  model: string
  /** The provider's answer text, when it answered. */
  answer?: string
}

const TIMEOUT_MS = 15_000

/** At most 64 KiB of a body. */
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

/** Sends the tiny request to `target` through `provider` and reports the outcome. */
export async function probeUpstream(
  provider: RegisteredProvider,
  target: UpstreamTarget,
  model: ModelConfig,
  what: 'key' | 'account',
): Promise<ProbeResult> {
  const { adapter, transport } = provider
  const request = adapter.toChatCompletionRequest(
    { model: target.upstreamModel, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 },
    target,
  )
  const startedMs = performance.now()
  const elapsed = () => Math.round(performance.now() - startedMs)
  try {
    const response = await transport.send(request, target, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    const body = await readSome(response.body).finally(() => response.discard())
    if (response.status >= 200 && response.status < 300) {
      return {
        ok: true,
        status: response.status,
        message: `The provider accepted the ${what}.`,
        latency_ms: elapsed(),
        model: model.id,
      }
    }
    const rejected = response.status === 401 || response.status === 403
    return {
      ok: false,
      status: response.status,
      message: rejected
        ? `The provider rejected the ${what} (${response.status}).`
        : adapter.toGatewayError(response.status, body, response.headers, target).message,
      latency_ms: elapsed(),
      model: model.id,
    }
  } catch (error) {
    return {
      ok: false,
      status: null,
      message: `The provider could not be reached: ${toGatewayError(error).message}`,
      latency_ms: elapsed(),
      model: model.id,
    }
  }
}

/**
 * Tests a workspace's stored key for `provider` on the first catalog model with a BYOK offer
 * for it, planned in the `byok` lane with that key only.
 * @throws GatewayError 404 when no key is stored or no BYOK model exists for the provider
 */
export async function testByokKey(
  dependencies: { planner(): RoutePlanner; byokCredentials: ByokCredentialService },
  workspaceId: string,
  provider: string,
): Promise<ProbeResult> {
  const apiKey = await dependencies.byokCredentials.resolve(workspaceId, provider)
  if (apiKey === undefined)
    throw new GatewayError('not_found', `No BYOK key is stored for provider \`${provider}\`.`, {
      param: 'provider',
    })
  const planner = dependencies.planner()
  const model = planner.catalog.models.find(
    (each) => planner.catalog.offers(each, 'byok', provider).length > 0,
  )
  const attempt =
    model === undefined
      ? undefined
      : planner
          .plan({
            lane: 'byok',
            models: [model],
            byok: { provider, apiKey },
            preferences: undefined,
            denyDataCollection: false,
          })
          .next()
  if (model === undefined || attempt === undefined)
    throw new GatewayError(
      'not_found',
      `The catalog has no BYOK model for provider \`${provider}\` to test with.`,
      {
        param: 'provider',
      },
    )
  return probeUpstream(attempt.provider, attempt.target, model, 'key')
}

/**
 * Tests one of the operator's accounts (`provider/account`) on the first catalog model one of
 * its offers serves through that account.
 * @throws GatewayError 404 for an unknown provider or account, or one no offer uses
 */
export async function testUpstreamAccount(
  models: readonly ModelConfig[],
  provider: RegisteredProvider | undefined,
  providerName: string,
  accountName: string,
): Promise<ProbeResult> {
  const account = provider?.config.accounts.find((each) => each.name === accountName)
  if (provider === undefined || account === undefined)
    throw new GatewayError(
      'not_found',
      `No account \`${providerName}/${accountName}\` in the configuration.`,
      {
        param: 'account',
      },
    )
  for (const model of models) {
    const offer = model.offers.find(
      (each) =>
        each.provider === providerName && each.accounts.some((candidate) => candidate.name === accountName),
    )
    if (offer !== undefined)
      return probeUpstream(
        provider,
        { provider: provider.config, account, upstreamModel: offer.upstreamModel, model },
        model,
        'account',
      )
  }
  throw new GatewayError(
    'not_found',
    `No catalog offer uses \`${providerName}/${accountName}\` to test with.`,
    {
      param: 'account',
    },
  )
}

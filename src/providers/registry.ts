/**
 * Provider name → adapter and transport. Adding a provider kind is one line here plus its
 * folder (docs/adding-a-provider.md); nothing else in the gateway knows provider names.
 *
 * @module
 */
import type { GatewayConfig, ProviderConfig } from '../config/config.ts'
import { createAnthropicAdapter } from './anthropic/create-anthropic-adapter.ts'
import { createGeminiAdapter } from './gemini/create-gemini-adapter.ts'
import { createOpenAICompatibleAdapter } from './openai-compatible/create-openai-compatible-adapter.ts'
import { VENDOR_PRESETS } from './openai-compatible/vendor-presets.ts'
import type { ProviderAdapter, UpstreamTransport } from './provider-adapter.ts'
import { createSimTransport } from './sim/sim-transport.ts'
import { createUndiciTransport } from './undici-transport.ts'

export interface RegisteredProvider {
  config: ProviderConfig
  adapter: ProviderAdapter
  transport: UpstreamTransport
}

export interface ProviderRegistry {
  get(name: string): RegisteredProvider | undefined
  all(): RegisteredProvider[]
  /** `graceful`: open requests finish first (used for the providers a reload replaced). */
  close(mode?: 'now' | 'graceful'): Promise<void>
}

function adapterFor(kind: ProviderConfig['kind']): ProviderAdapter {
  switch (kind) {
    case 'anthropic':
      return createAnthropicAdapter()
    case 'gemini':
      return createGeminiAdapter()
    case 'sim':
      // sim speaks OpenAI's chat format from inside the process (no legacy /completions)
      return createOpenAICompatibleAdapter('sim', { completions: false })
    default:
      return createOpenAICompatibleAdapter(kind, VENDOR_PRESETS[kind].quirks)
  }
}

export function createProviderRegistry(
  config: Pick<GatewayConfig, 'providers' | 'upstream'>,
): ProviderRegistry {
  const providers = new Map<string, RegisteredProvider>()
  for (const provider of config.providers) {
    providers.set(provider.name, {
      config: provider,
      adapter: adapterFor(provider.kind),
      transport:
        provider.kind === 'sim'
          ? createSimTransport()
          : createUndiciTransport(provider, config.upstream.connectionsPerOrigin),
    })
  }
  return {
    get: (name) => providers.get(name),
    all: () => [...providers.values()],
    async close(mode = 'now') {
      await Promise.all([...providers.values()].map((provider) => provider.transport.close(mode)))
    },
  }
}

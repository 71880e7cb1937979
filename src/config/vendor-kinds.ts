/**
 * The OpenAI-format vendors the config accepts as a provider `kind:`: each one's default base
 * URL and auth header style. Their wire quirks (renamed and unsupported fields, paths) belong to
 * the adapter: providers/openai-compatible/vendor-presets.ts. Also every provider `kind:`. A vendor not listed here works as
 * `openai-compatible` with a `base_url`.
 *
 * @module
 */

export interface VendorKindDefaults {
  /** Used when the provider config has no `base_url` (empty: `base_url` is required). */
  defaultBaseUrl: string
  authHeader: 'bearer' | 'api-key'
}

/** Azure OpenAI's data-plane API version used when the provider sets no `api_version`. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21'

export const VENDOR_KINDS = {
  openai: { defaultBaseUrl: 'https://api.openai.com/v1', authHeader: 'bearer' },
  'openai-compatible': { defaultBaseUrl: '', authHeader: 'bearer' },
  // Azure: the upstream model is the deployment name; `base_url` is the resource endpoint.
  'azure-openai': { defaultBaseUrl: '', authHeader: 'api-key' },
  deepseek: { defaultBaseUrl: 'https://api.deepseek.com/v1', authHeader: 'bearer' },
  qwen: { defaultBaseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1', authHeader: 'bearer' },
  moonshot: { defaultBaseUrl: 'https://api.moonshot.ai/v1', authHeader: 'bearer' },
  minimax: { defaultBaseUrl: 'https://api.minimax.io/v1', authHeader: 'bearer' },
  zhipu: { defaultBaseUrl: 'https://open.bigmodel.cn/api/paas/v4', authHeader: 'bearer' },
  groq: { defaultBaseUrl: 'https://api.groq.com/openai/v1', authHeader: 'bearer' },
  together: { defaultBaseUrl: 'https://api.together.xyz/v1', authHeader: 'bearer' },
  mistral: { defaultBaseUrl: 'https://api.mistral.ai/v1', authHeader: 'bearer' },
} as const satisfies Record<string, VendorKindDefaults>

export type VendorKind = keyof typeof VENDOR_KINDS

/** Provider kinds: the OpenAI-format vendor presets, the translated formats, and `sim`. */
export const PROVIDER_KINDS = [
  ...(Object.keys(VENDOR_KINDS) as VendorKind[]),
  'anthropic',
  'gemini',
  'sim',
] as const
export type ProviderKind = (typeof PROVIDER_KINDS)[number]

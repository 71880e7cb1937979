/**
 * OpenAI-compatible vendors as presets of one factory: each is a default base URL, an auth
 * header style and the vendor's quirks. A vendor not listed here works as `openai-compatible`
 * with a `base_url`.
 *
 * @module
 * @see https://api-docs.deepseek.com/
 * @see https://help.aliyun.com/zh/model-studio/compatibility-of-openai-with-dashscope
 * @see https://platform.moonshot.ai/docs/api/chat
 * @see https://platform.minimax.io/docs/api-reference/text-openai-api
 * @see https://docs.bigmodel.cn/api-reference
 * @see https://console.groq.com/docs/openai
 * @see https://docs.together.ai/docs/openai-api-compatibility
 * @see https://docs.mistral.ai/api/
 * @see https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference
 */
import type { OpenAICompatibleQuirks } from './create-openai-compatible-adapter.ts'

export interface VendorPreset {
  /** Used when the provider config has no `base_url` (empty: `base_url` is required). */
  defaultBaseUrl: string
  authHeader: 'bearer' | 'api-key'
  quirks: OpenAICompatibleQuirks
}

/** Azure OpenAI's data-plane API version used when the provider sets no `api_version`. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21'

export const VENDOR_PRESETS = {
  openai: { defaultBaseUrl: 'https://api.openai.com/v1', authHeader: 'bearer', quirks: {} },
  'openai-compatible': { defaultBaseUrl: '', authHeader: 'bearer', quirks: {} },
  // Azure: the upstream model is the deployment name; `base_url` is the resource endpoint.
  'azure-openai': {
    defaultBaseUrl: '',
    authHeader: 'api-key',
    quirks: {
      chatCompletionsPath: (target) =>
        `/openai/deployments/${encodeURIComponent(target.upstreamModel)}/chat/completions`,
      completionsPath: (target) =>
        `/openai/deployments/${encodeURIComponent(target.upstreamModel)}/completions`,
      embeddingsPath: (target) =>
        `/openai/deployments/${encodeURIComponent(target.upstreamModel)}/embeddings`,
      query: (target) =>
        `?api-version=${encodeURIComponent(target.provider.apiVersion ?? AZURE_DEFAULT_API_VERSION)}`,
    },
  },
  // DeepSeek streams `reasoning_content` beside `content` (passed through); no embeddings API.
  deepseek: {
    defaultBaseUrl: 'https://api.deepseek.com/v1',
    authHeader: 'bearer',
    quirks: {
      embeddings: false,
      unsupportedParameters: ['reasoning_effort', 'service_tier', 'store', 'metadata'],
    },
  },
  // DashScope compatible mode (Qwen): usage in streams only with stream_options, which the gateway always sets.
  qwen: {
    defaultBaseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
    authHeader: 'bearer',
    quirks: { unsupportedParameters: ['service_tier', 'store', 'metadata'] },
  },
  moonshot: {
    defaultBaseUrl: 'https://api.moonshot.ai/v1',
    authHeader: 'bearer',
    quirks: {
      embeddings: false,
      unsupportedParameters: ['service_tier', 'store', 'metadata', 'reasoning_effort'],
    },
  },
  minimax: {
    defaultBaseUrl: 'https://api.minimax.io/v1',
    authHeader: 'bearer',
    quirks: {
      embeddings: false,
      unsupportedParameters: ['service_tier', 'store', 'metadata', 'logit_bias', 'logprobs', 'top_logprobs'],
    },
  },
  zhipu: {
    defaultBaseUrl: 'https://open.bigmodel.cn/api/paas/v4',
    authHeader: 'bearer',
    quirks: {
      unsupportedParameters: [
        'service_tier',
        'store',
        'metadata',
        'logit_bias',
        'presence_penalty',
        'frequency_penalty',
      ],
    },
  },
  // Groq rejects logprobs, logit_bias and n > 1 (n is left for Groq to refuse with its message).
  groq: {
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    authHeader: 'bearer',
    quirks: {
      embeddings: false,
      unsupportedParameters: ['logprobs', 'top_logprobs', 'logit_bias', 'store', 'metadata'],
    },
  },
  together: {
    defaultBaseUrl: 'https://api.together.xyz/v1',
    authHeader: 'bearer',
    quirks: { unsupportedParameters: ['store', 'metadata', 'service_tier'] },
  },
  // Mistral refuses unknown fields: it has `max_tokens` and `random_seed`, and sends stream usage unasked.
  mistral: {
    defaultBaseUrl: 'https://api.mistral.ai/v1',
    authHeader: 'bearer',
    quirks: {
      unsupportedParameters: [
        'stream_options',
        'store',
        'metadata',
        'service_tier',
        'logit_bias',
        'user',
        'reasoning_effort',
      ],
      renamedParameters: { max_completion_tokens: 'max_tokens', seed: 'random_seed' },
    },
  },
} as const satisfies Record<string, VendorPreset>

export type VendorKind = keyof typeof VENDOR_PRESETS

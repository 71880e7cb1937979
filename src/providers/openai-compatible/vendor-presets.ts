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
import {
  AZURE_DEFAULT_API_VERSION,
  VENDOR_KINDS,
  type VendorKind,
  type VendorKindDefaults,
} from '../../config/vendor-kinds.ts'
import type { OpenAICompatibleQuirks } from './create-openai-compatible-adapter.ts'

export { AZURE_DEFAULT_API_VERSION, type VendorKind }

export interface VendorPreset extends VendorKindDefaults {
  quirks: OpenAICompatibleQuirks
}

/** Each vendor's wire quirks (its base URL and auth header come from the config's vendor kinds). */
const VENDOR_QUIRKS = {
  openai: { quirks: {} },
  'openai-compatible': { quirks: {} },
  // Azure: the upstream model is the deployment name; `base_url` is the resource endpoint.
  'azure-openai': {
    quirks: {
      chatCompletionsPath: (target) =>
        `/openai/deployments/${encodeURIComponent(target.upstreamModel)}/chat/completions`,
      completionsPath: (target) =>
        `/openai/deployments/${encodeURIComponent(target.upstreamModel)}/completions`,
      embeddingsPath: (target) =>
        `/openai/deployments/${encodeURIComponent(target.upstreamModel)}/embeddings`,
      imagesPath: (target) =>
        `/openai/deployments/${encodeURIComponent(target.upstreamModel)}/images/generations`,
      query: (target) =>
        `?api-version=${encodeURIComponent(target.provider.apiVersion ?? AZURE_DEFAULT_API_VERSION)}`,
    },
  },
  // DeepSeek streams `reasoning_content` beside `content` (passed through); no embeddings API.
  deepseek: {
    quirks: {
      embeddings: false,
      unsupportedParameters: ['reasoning_effort', 'service_tier', 'store', 'metadata'],
    },
  },
  // DashScope compatible mode (Qwen): usage in streams only with stream_options, which the gateway always sets.
  qwen: {
    quirks: { unsupportedParameters: ['service_tier', 'store', 'metadata'] },
  },
  moonshot: {
    quirks: {
      embeddings: false,
      unsupportedParameters: ['service_tier', 'store', 'metadata', 'reasoning_effort'],
    },
  },
  minimax: {
    quirks: {
      embeddings: false,
      unsupportedParameters: ['service_tier', 'store', 'metadata', 'logit_bias', 'logprobs', 'top_logprobs'],
    },
  },
  zhipu: {
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
    quirks: {
      embeddings: false,
      unsupportedParameters: ['logprobs', 'top_logprobs', 'logit_bias', 'store', 'metadata'],
    },
  },
  together: {
    quirks: { unsupportedParameters: ['store', 'metadata', 'service_tier'] },
  },
  // Mistral refuses unknown fields: it has `max_tokens` and `random_seed`, and sends stream usage unasked.
  mistral: {
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
} satisfies Record<VendorKind, { quirks: OpenAICompatibleQuirks }>

/** Every OpenAI-format vendor: the config's defaults with the adapter's quirks. */
export const VENDOR_PRESETS = Object.fromEntries(
  Object.entries(VENDOR_KINDS).map(([kind, defaults]) => [
    kind,
    { ...defaults, quirks: VENDOR_QUIRKS[kind as VendorKind].quirks },
  ]),
) as Record<VendorKind, VendorPreset>

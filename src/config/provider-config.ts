/**
 * A provider and its accounts as the gateway sees them after validation (the catalog and the
 * adapters read these).
 *
 * @module
 */
import type { ProviderKind } from './vendor-kinds.ts'

export interface AccountConfig {
  name: string
  apiKey: string
  weight: number
  baseUrl: string
  /** `customer`: a workspace's own key (BYOK), never from the config. */
  trust: 'pooled' | 'official' | 'customer'
  group: string
}

export interface TimeoutConfig {
  connectMs: number
  firstByteMs: number
  idleMs: number
}

export interface ProviderConfig {
  name: string
  kind: ProviderKind
  authHeader: 'bearer' | 'api-key' | 'x-api-key'
  /** `anthropic-version` (Anthropic) or `api-version` (Azure OpenAI); the adapter's default when unset. */
  apiVersion: string | undefined
  /** The provider's base URL (accounts may override it); BYOK requests use this one. */
  baseUrl: string
  byok: boolean
  accounts: AccountConfig[]
  sim: { latencyMs: number; tokensPerSecond: number }
  timeouts: TimeoutConfig
}

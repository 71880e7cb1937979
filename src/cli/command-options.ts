/**
 * The options the management commands take (parsed from flags by cli/onekey.ts), and durations
 * written as `30d`, `12h`, `90m`.
 *
 * @module
 */
import type { GatewayConfig } from '../config/config.ts'
import { ServiceError, type WorkspaceService } from '../services/workspace-service.ts'
import type { Store } from '../storage/store.ts'

export interface ManagementOptions {
  workspace?: string | undefined
  name?: string | undefined
  expiresIn?: string | undefined
  /** Comma-separated lanes a new key may use. */
  lanes?: string | undefined
  /** Comma-separated model ID patterns a new key may use. */
  models?: string | undefined
  management?: boolean | undefined
  defaultLane?: string | undefined
  denyDataCollection?: boolean | undefined
  allowDataCollection?: boolean | undefined
  /** Name of the environment variable holding a BYOK key (else it is read from stdin). */
  keyEnv?: string | undefined
  idempotencyKey?: string | undefined
  amount?: string | undefined
  count?: string | undefined
  tier?: string | undefined
  rpm?: string | undefined
  tpm?: string | undefined
  concurrency?: string | undefined
  /** Spend limits (USD, or `none`) of `key budget` / `workspace budget`. */
  total?: string | undefined
  day?: string | undefined
  week?: string | undefined
  month?: string | undefined
  kind?: string | undefined
  reason?: string | undefined
  json: boolean
  /** Reads a secret from standard input (injected for tests). */
  readSecret?: () => Promise<string>
  env?: Record<string, string | undefined>
}

/** What a group of commands (money, budgets) runs with: the words, the options, and the open store. */
export interface CommandInput {
  config: GatewayConfig
  words: string[]
  options: ManagementOptions
  store: Store
  service: WorkspaceService
}

const DURATION_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `30d`, `12h`, `90m` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([mhd])$/.exec(text)
  if (!match)
    throw new ServiceError(`--expires-in: expected a number and m, h or d (e.g. 30d), got "${text}"`)
  return Number(match[1]) * DURATION_UNITS_MS[match[2]!]!
}

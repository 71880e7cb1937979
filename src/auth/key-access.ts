/**
 * What a key may call: lanes and model ID patterns set when the key was created. A pattern is a
 * model ID with `*` wildcards (`gpt-4o*`, `cheap/*`, `byok/openai/*`); it matches either the
 * lane-prefixed ID (`cheap/gpt-4o`) or the bare catalog ID (`gpt-4o`).
 *
 * @module
 */
import type { Lane } from '../config/catalog-config.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export interface ModelMatcher {
  readonly patterns: readonly string[]
  matches(laneModelId: string, modelId: string): boolean
}

const PATTERN = /^[\w.:@+*/-]{1,200}$/

/** Checks patterns as an operator types them; returns the problem or undefined. */
export function invalidModelPattern(pattern: string): string | undefined {
  return PATTERN.test(pattern)
    ? undefined
    : `invalid model pattern "${pattern}" (letters, digits, . _ : @ + - / and *)`
}

export function compileModelPatterns(patterns: readonly string[]): ModelMatcher {
  const expressions = patterns.map(
    (pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`),
  )
  return {
    patterns,
    matches: (laneModelId, modelId) =>
      expressions.some((expression) => expression.test(laneModelId) || expression.test(modelId)),
  }
}

/** Throws 403 when the key may not use the lane or the model. */
export function checkKeyAccess(
  key: {
    allowedLanes: ReadonlySet<string> | null
    allowedModels: ModelMatcher | null
  },
  lane: Lane,
  laneModelId: string,
  modelId: string,
  param = 'model',
): void {
  if (key.allowedLanes !== null && !key.allowedLanes.has(lane)) {
    throw new GatewayError(
      'lane_not_allowed',
      `This API key may not use the ${lane} lane (allowed: ${[...key.allowedLanes].join(', ') || 'none'}).`,
      { param },
    )
  }
  if (key.allowedModels !== null && !key.allowedModels.matches(laneModelId, modelId)) {
    throw new GatewayError('model_not_allowed', `This API key may not use the model \`${laneModelId}\`.`, {
      param,
    })
  }
}

/** Whether the key may use the lane and model (for listings). */
export function keyMayUse(
  key: { allowedLanes: ReadonlySet<string> | null; allowedModels: ModelMatcher | null },
  lane: Lane,
  laneModelId: string,
  modelId: string,
): boolean {
  return (
    (key.allowedLanes === null || key.allowedLanes.has(lane)) &&
    (key.allowedModels === null || key.allowedModels.matches(laneModelId, modelId))
  )
}

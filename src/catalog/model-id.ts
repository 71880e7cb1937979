/**
 * Model IDs as callers write them: `cheap/<model>`, `resale/<model>`,
 * `byok/<provider>/<model>`, or a plain `<model>` that takes the workspace's default lane.
 *
 * @module
 * Product spec §2.
 */
import { LANES, type Lane } from '../config/catalog-config.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export interface ParsedModelId {
  /** Undefined for a plain ID: the workspace's default lane applies. */
  lane: Lane | undefined
  /** For `byok/<provider>/…`. */
  byokProvider: string | undefined
  /** The catalog ID or alias, without the lane prefix. */
  model: string
}

/** Splits a lane prefix off a model ID; a malformed `byok/…` ID is a 400 naming `param`. */
export function parseModelId(id: string, param = 'model'): ParsedModelId {
  const slash = id.indexOf('/')
  if (slash === -1) return { lane: undefined, byokProvider: undefined, model: id }
  const first = id.slice(0, slash)
  if (!(LANES as readonly string[]).includes(first))
    return { lane: undefined, byokProvider: undefined, model: id }
  const lane = first as Lane
  const rest = id.slice(slash + 1)
  if (lane !== 'byok') {
    if (rest === '') throw invalidId(id, param, `${lane}/<model>`)
    return { lane, byokProvider: undefined, model: rest }
  }
  const providerEnd = rest.indexOf('/')
  if (providerEnd <= 0 || providerEnd === rest.length - 1)
    throw invalidId(id, param, 'byok/<provider>/<model>')
  return { lane, byokProvider: rest.slice(0, providerEnd), model: rest.slice(providerEnd + 1) }
}

function invalidId(id: string, param: string, shape: string): GatewayError {
  return new GatewayError('invalid_parameter', `Invalid model ID \`${id}\`: expected ${shape}.`, { param })
}

/** The ID a caller uses for a model in a lane. */
export function laneModelId(lane: Lane, model: string, byokProvider?: string): string {
  return lane === 'byok' ? `byok/${byokProvider}/${model}` : `${lane}/${model}`
}

/**
 * How many answers one request makes the upstream generate, for the hold and the TPM admission
 * (output cap × this): chat's and legacy completions' `n`, or legacy completions' `best_of` when
 * larger (the upstream generates, and bills, every candidate and returns the best `n`). The
 * charge itself stays what the usage says.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-n
 * @see https://platform.openai.com/docs/api-reference/completions/create#completions-create-best_of
 */
import { GatewayError } from '../../errors/gateway-error.ts'

/** OpenAI's own limit on `n`; also bounds `best_of`, so a hold stays a sane amount. */
export const MAX_CHOICES = 128

function count(value: unknown, field: 'n' | 'best_of'): number {
  if (value === undefined || value === null) return 1
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CHOICES) {
    throw new GatewayError(
      'invalid_parameter',
      `Invalid value for '${field}': expected an integer from 1 to ${MAX_CHOICES}.`,
      { param: field },
    )
  }
  return value
}

/**
 * The number of answers `request` asks for (1 when `n` is absent), counting `best_of` from the
 * client's own body for endpoints that forward it (legacy completions). Throws a 400 naming the
 * field when either is not an integer from 1 to {@link MAX_CHOICES}.
 */
export function choiceCount(
  request: Readonly<Record<string, unknown>>,
  native?: Readonly<Record<string, unknown>>,
): number {
  const choices = count(request.n, 'n')
  return native === undefined ? choices : Math.max(choices, count(native.best_of, 'best_of'))
}

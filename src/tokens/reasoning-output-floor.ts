/**
 * The output a reasoning request may produce when it does not cap its own output. The adapters
 * give thinking a budget per `reasoning_effort` (Anthropic: minimal 1,024, low 2,048, medium
 * 8,192, high 24,576 tokens; Gemini the same or less), and Anthropic raises `max_tokens` to the
 * budget plus 4,096 answer tokens when the model's own cap leaves no room for an answer. The
 * hold and the plausibility limit on the upstream's usage take at least this much, so a
 * reasoning answer never costs more than was reserved nor is refused as implausible.
 * With `max_tokens`/`max_completion_tokens` given, the budget lies within it: no floor.
 *
 * @module
 */
import type { OpenAIChatCompletionRequest } from '../contracts/openai-wire.ts'

/**
 * The largest thinking budget any adapter sets for each `reasoning_effort`: Anthropic's budgets
 * (providers/anthropic uses this table), Gemini's are the same or lower.
 */
export const THINKING_BUDGET_CEILINGS: Readonly<Record<string, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
}

/** Answer room an adapter adds above the thinking budget (Anthropic's default `max_tokens`). */
export const ANSWER_ROOM_TOKENS = 4096
const HIGHEST_BUDGET = Math.max(...Object.values(THINKING_BUDGET_CEILINGS))

/**
 * The least output cap to reserve for this request: the thinking budget plus the answer room for
 * a reasoning request without its own output cap (an unknown effort counts as the highest), else 0.
 */
export function reasoningOutputFloor(request: OpenAIChatCompletionRequest): number {
  const effort = request.reasoning_effort
  if (request.max_completion_tokens != null || request.max_tokens != null) return 0
  if (effort === undefined || effort === null || effort === 'none') return 0
  return (THINKING_BUDGET_CEILINGS[String(effort)] ?? HIGHEST_BUDGET) + ANSWER_ROOM_TOKENS
}

/**
 * What the fake Anthropic and Gemini upstreams answer, so end-to-end tests can run a whole
 * conversation (tool call round trip included) whatever format carries it:
 * - the last user turn holds a tool result → text quoting it;
 * - tools are offered and the last user text mentions the weather → a `get_weather` call;
 * - otherwise → `You said: <last user text>`.
 * One "token" is one word, as in the `sim` provider.
 *
 * @module
 */

export type BrainAnswer =
  | { kind: 'text'; text: string }
  | { kind: 'tool'; name: string; args: Record<string, unknown> }

export function think(
  lastUserText: string,
  toolResult: string | undefined,
  toolNames: readonly string[],
): BrainAnswer {
  if (toolResult !== undefined) return { kind: 'text', text: `The tool said: ${toolResult}` }
  if (toolNames.includes('get_weather') && /weather/i.test(lastUserText))
    return { kind: 'tool', name: 'get_weather', args: { location: 'Paris' } }
  return { kind: 'text', text: `You said: ${lastUserText.trim() || '(nothing)'}` }
}

/** Words with their leading spaces: the fake's tokens. */
export function wordsOf(text: string): string[] {
  return text.match(/\s*\S+/g) ?? []
}

export function countTokens(text: string): number {
  return wordsOf(text).length
}

/**
 * Real token counts for OpenAI-family models (catalog `tokenizer: o200k_base | cl100k_base`),
 * used for the prompt estimate of reservations and quotes. An encoding's tables take tens of
 * megabytes, so each is loaded only when a configured model names it, once, at start-up.
 *
 * @module
 * @see https://github.com/niieani/gpt-tokenizer
 */

export const TOKENIZERS = ['o200k_base', 'cl100k_base'] as const
export type TokenizerName = (typeof TOKENIZERS)[number]

export type CountTokens = (text: string) => number

const loaded = new Map<TokenizerName, CountTokens>()

/** Loads the encodings the catalog uses (call at start-up; reloads add new ones). */
export async function loadTokenizers(names: Iterable<TokenizerName>): Promise<void> {
  for (const name of new Set(names)) {
    if (loaded.has(name)) continue
    const module =
      name === 'o200k_base'
        ? await import('gpt-tokenizer/encoding/o200k_base')
        : await import('gpt-tokenizer/encoding/cl100k_base')
    loaded.set(name, (text) => module.countTokens(text))
  }
}

/** The counter for an encoding, if loaded. */
export function tokenCounter(name: TokenizerName | undefined): CountTokens | undefined {
  return name === undefined ? undefined : loaded.get(name)
}

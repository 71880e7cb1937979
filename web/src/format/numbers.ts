/** Counts, tokens and durations: grouped or compact, never money. @module */

/** Grouped integer, e.g. 12345 → "12,345"; null → "–". */
export function formatCount(value: number | null | undefined, locale?: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value)
}

/** Compact number, e.g. 12345 → "12K", 1_234_567 → "1.2M". */
export function formatCompact(value: number | null | undefined, locale?: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value)
}

/** Milliseconds: under a second as "850 ms", above as "1.25 s"; null → "–". */
export function formatDuration(ms: number | null | undefined, locale?: string): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–'
  if (Math.abs(ms) < 1000) {
    return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(ms)} ms`
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(ms / 1000)} s`
}

/** An optional integer typed into a form: "" → undefined, "12" → 12, anything else → NaN. */
export function parseOptionalInteger(text: string): number | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  return /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN
}

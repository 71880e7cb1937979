/** Dates and times with `Intl.DateTimeFormat`, no date library. @module */

function parse(value: string | null | undefined): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** Local date and time, e.g. "Mar 4, 2026, 2:05 PM"; null → "–". */
export function formatDateTime(value: string | null | undefined, locale?: string): string {
  const date = parse(value)
  if (date === undefined) return value ? value : '–'
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}

/** Date and time in UTC, labelled, e.g. "2026-03-04 14:05:09 UTC". */
export function formatUtc(value: string | null | undefined): string {
  const date = parse(value)
  if (date === undefined) return value ? value : '–'
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** A calendar day "YYYY-MM-DD" as a short label, e.g. "Mar 4" (read as UTC, no shift). */
export function formatDay(day: string, locale?: string): string {
  const date = parse(`${day}T00:00:00Z`)
  if (date === undefined) return day
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(date)
}

/** Every day from `since` to `until` inclusive as "YYYY-MM-DD" (UTC). */
export function dayRange(since: string, until: string): string[] {
  const days: string[] = []
  const start = parse(`${since}T00:00:00Z`)
  const end = parse(`${until}T00:00:00Z`)
  if (start === undefined || end === undefined) return days
  for (let time = start.getTime(); time <= end.getTime() && days.length < 1000; time += 86_400_000) {
    days.push(new Date(time).toISOString().slice(0, 10))
  }
  return days
}

/** Relative description, e.g. "3 days ago", "in 2 hours"; null → "never". */
export function formatRelative(value: string | null | undefined, now = Date.now(), locale?: string): string {
  const date = parse(value)
  if (date === undefined) return 'never'
  const seconds = Math.round((date.getTime() - now) / 1000)
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 31_536_000],
    ['month', 2_592_000],
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ]
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit)
  }
  return format.format(seconds, 'second')
}

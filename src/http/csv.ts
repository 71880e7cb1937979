/**
 * Writing CSV (RFC 4180) that is safe to open in a spreadsheet: fields with a comma, quote or
 * line break are quoted with inner quotes doubled, lines end in CRLF, and text that a
 * spreadsheet would run as a formula gets a leading `'` (OWASP "CSV injection").
 *
 * @module
 */

/** Text starting with one of these is a formula (or becomes one) in Excel, Sheets and LibreOffice. */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * One CSV field. Strings starting with `=`, `+`, `-`, `@`, tab or CR are prefixed with `'`;
 * numbers are written as they are (a negative number is data, not a formula); null is empty.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return ''
  let text = String(value)
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One CSV record with its CRLF line ending. */
export function csvLine(values: readonly (string | number | boolean | null)[]): string {
  return `${values.map(csvField).join(',')}\r\n`
}

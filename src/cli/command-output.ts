/**
 * How the CLI prints: aligned tables for people, indented JSON with `--json`.
 *
 * @module
 */

/** Indented JSON and a newline. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

/** Rows as an aligned table with a header line (`-` for empty cells). */
export function table(rows: Record<string, string | null>[]): string {
  if (rows.length === 0) return '(none)\n'
  const columns = Object.keys(rows[0]!)
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => (row[column] ?? '-').length)),
  )
  const line = (cells: string[]) =>
    `${cells
      .map((cell, index) => cell.padEnd(widths[index]!))
      .join('  ')
      .trimEnd()}\n`
  return line(columns) + rows.map((row) => line(columns.map((column) => row[column] ?? '-'))).join('')
}

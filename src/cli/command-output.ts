/**
 * How the CLI prints: aligned tables for people, indented JSON with `--json` in the API's shape
 * (snake_case names, money as exact decimal USD strings), so a script reads the CLI and the API
 * the same way.
 *
 * @module
 */
import { formatNanoUsd } from '../billing/cost.ts'

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)

/**
 * A value as the API writes it: camelCase names become snake_case, and a `…Nano` integer becomes
 * the decimal USD string under the name without the suffix (`balanceNano: 5e9` → `balance: "5"`).
 */
export function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire)
  if (value === null || typeof value !== 'object' || value instanceof Date) return value
  const wire: Record<string, unknown> = {}
  for (const [name, item] of Object.entries(value)) {
    if (name.endsWith('Nano') && typeof item === 'number')
      wire[snake(name.slice(0, -4))] = formatNanoUsd(item)
    else wire[snake(name)] = toWire(item)
  }
  return wire
}

/** Indented JSON in the API's shape, and a newline. */
export function json(value: unknown): string {
  return `${JSON.stringify(toWire(value), null, 2)}\n`
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

/**
 * Errors of a form: client-side zod issues and server errors whose `param` names a field land
 * beside that field; anything else is shown above the buttons with the request ID.
 *
 * @module
 */
import { ApiError } from '../api/api-client.ts'

export type FieldErrors = Partial<Record<string, string>>

interface IssueLike {
  path: readonly PropertyKey[]
  message: string
}

/** The first issue per top-level field, with the schema's `describe()` text when there is one. */
export function issuesToFieldErrors(
  issues: readonly IssueLike[],
  hints: Record<string, string> = {},
): FieldErrors {
  const errors: FieldErrors = {}
  for (const issue of issues) {
    const field = String(issue.path[0] ?? '')
    if (errors[field] !== undefined) continue
    errors[field] = hints[field] ?? issue.message
  }
  return errors
}

export interface SplitError {
  fields: FieldErrors
  /** The error to show for the whole form, or null when it landed on a field. */
  form: unknown
}

/** Puts a server error on its field when `param` names one of `fields`. */
export function splitServerError(error: unknown, fields: readonly string[]): SplitError {
  if (error instanceof ApiError && error.param !== null) {
    const field = error.param.split(/[.[]/)[0] ?? ''
    if (fields.includes(field)) return { fields: { [field]: error.message }, form: null }
  }
  return { fields: {}, form: error }
}

/** Trimmed text of a form field; '' when absent. */
export function formText(data: FormData, name: string): string {
  const value = data.get(name)
  return typeof value === 'string' ? value.trim() : ''
}

/**
 * HTML built from tagged templates: every interpolated value is escaped unless it is a
 * {@link Raw} (trusted HTML made by `html` itself or wrapped with {@link raw}). Arrays are
 * joined, `null`, `undefined` and `false` render nothing, so `${cond && html`…`}` and
 * `${items.map((item) => html`<li>${item}</li>`)}` work.
 *
 * @module
 */

/** Trusted HTML: rendered as is by `html`. */
export interface Raw {
  readonly __html: string
}

/** A value `html` accepts between `${}`. */
export type HtmlValue = Raw | string | number | bigint | boolean | null | undefined | readonly HtmlValue[]

/** Escapes text for element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** Marks a string as trusted HTML. Only for markup built by our own code, never for input. */
export function raw(trusted: string): Raw {
  return { __html: trusted }
}

export function isRaw(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && '__html' in value
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return ''
  if (Array.isArray(value)) return value.map(render).join('')
  if (isRaw(value)) return value.__html
  return escapeHtml(String(value))
}

/** The tagged template: `html`<p>${userText}</p>`` escapes `userText` and returns {@link Raw}. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Raw {
  let out = strings[0] ?? ''
  for (let index = 0; index < values.length; index++) {
    out += render(values[index] as HtmlValue) + (strings[index + 1] ?? '')
  }
  return raw(out)
}

/** Joins pieces of HTML (each escaped unless Raw). */
export function joinHtml(parts: readonly HtmlValue[], separator: Raw = raw('')): Raw {
  return raw(parts.map(render).join(separator.__html))
}

/**
 * Writes Server-Sent Events. Multi-line data is split into several `data:` lines, as the
 * format requires, so a newline inside a payload can never end an event early.
 *
 * @module
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */

export function encodeSseEvent(data: string, event?: string): string {
  const head = event === undefined ? '' : `event: ${event.replace(/[\r\n]/g, '')}\n`
  if (!data.includes('\n') && !data.includes('\r')) return `${head}data: ${data}\n\n`
  return `${head}${data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('')}\n`
}

export const SSE_DONE = 'data: [DONE]\n\n'

import { randomUUID } from 'node:crypto'

const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/

/** Keeps a caller's `x-request-id` when it is short and printable; otherwise makes one. */
export function chooseRequestId(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming)) return incoming
  return `req_${randomUUID().replaceAll('-', '')}`
}

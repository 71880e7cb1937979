import { randomBytes } from 'node:crypto'

const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/

/** 64 random bits per process, then a counter: unique across instances, no entropy per request. */
const PROCESS_PREFIX = `req_${randomBytes(8).toString('hex')}`
let sequence = 0

/** Keeps a caller's `x-request-id` when it is short and printable; otherwise makes one. */
export function chooseRequestId(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming)) return incoming
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER
  return PROCESS_PREFIX + sequence.toString(16).padStart(16, '0')
}

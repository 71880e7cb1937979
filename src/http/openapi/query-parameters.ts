/**
 * The query parameters of the `/api/v1/*` list and report routes, as the route modules read
 * them (request-query.ts `limitOf`/`pagedList`, log-export-query.ts, money.ts, overview.ts,
 * admin-*.ts), described as zod schemas for the API reference.
 *
 * @module
 */
import { z } from 'zod'
import { MAX_EXPORT_DAYS } from '../log-export-query.ts'
import type { QueryParameter } from './operation-spec.ts'

const limit: QueryParameter = {
  name: 'limit',
  description: 'Entries per page, 1 to 500 (default 50).',
  schema: z.int().min(1).max(500),
}
const before: QueryParameter = {
  name: 'before',
  description: 'Pages on: the cursor from the previous page (entries older than it).',
  schema: z.string(),
}
/** `?limit=&before=`: newest first, `has_more` says whether to ask again. */
export const PAGED = [limit, before] as const

const days: QueryParameter = {
  name: 'days',
  description: 'The last N UTC days, today included: 1 to 366 (default 30).',
  schema: z.int().min(1).max(366),
}
export const DAYS = [days] as const

/** `GET /api/v1/activity`, `activity.csv`. */
export const ACTIVITY = [
  days,
  {
    name: 'group_by',
    description: 'Group spend by model, provider, lane or key (default model).',
    schema: z.enum(['model', 'provider', 'lane', 'key']),
  },
] as const

/** `GET /api/v1/logs`. */
export const LOGS = [
  ...PAGED,
  { name: 'model', description: 'Only this model.', schema: z.string() },
  { name: 'lane', description: 'Only this lane.', schema: z.enum(['cheap', 'resale', 'byok']) },
] as const

const exportRange = [
  { name: 'format', description: 'csv (default) or ndjson.', schema: z.enum(['csv', 'ndjson']) },
  {
    name: 'from',
    description: `Start: an ISO date or date-time with a zone (default 30 days before \`to\`; at most ${MAX_EXPORT_DAYS} days).`,
    schema: z.string(),
  },
  { name: 'to', description: 'End: an ISO date or date-time with a zone (default now).', schema: z.string() },
  { name: 'key', description: 'Only this API key ID.', schema: z.string().min(1).max(64) },
  { name: 'model', description: 'Only this model.', schema: z.string().min(1).max(200) },
  { name: 'lane', description: 'Only this lane.', schema: z.enum(['cheap', 'resale', 'byok']) },
] as const
/** `GET /api/v1/logs/export`: any other parameter is refused. */
export const LOG_EXPORT = exportRange
/** `GET /api/v1/admin/logs/export`: one workspace or every one. */
export const OPERATOR_LOG_EXPORT = [
  ...exportRange,
  { name: 'workspace', description: 'Only this workspace (ID or name).', schema: z.string().min(1).max(200) },
] as const

/** `GET /api/v1/generation?id=`. */
export const GENERATION = [
  {
    name: 'id',
    description: 'The generation ID: the `x-onekey-generation-id` header of the answer.',
    schema: z.string(),
    required: true,
  },
] as const

/** `GET /api/v1/credits/checkout-preview?amount=`. */
export const CHECKOUT_PREVIEW = [
  { name: 'amount', description: 'USD to buy, e.g. 20.00: the answer adds the fee.', schema: z.string() },
] as const

/** `GET /api/v1/admin/workspaces?search=`. */
export const WORKSPACE_SEARCH = [
  {
    name: 'search',
    description: 'Part of a workspace’s ID or name (at most 200 characters).',
    schema: z.string().max(200),
  },
] as const

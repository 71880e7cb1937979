/**
 * URL search parameters of each page, parsed with `.catch()` defaults: a bad or missing value
 * falls back instead of failing the page.
 *
 * @module
 */
import { z } from 'zod'

const optionalText = z.string().trim().max(200).optional().catch(undefined)
const token = z.string().trim().min(1).max(500).optional().catch(undefined)

/** Only a path inside the console: never another origin (`//evil`, `https:`). */
export const redirectTarget = z
  .string()
  .regex(/^\/(?!\/)[^\\]*$/)
  .max(2000)
  .optional()
  .catch(undefined)

export const signInSearch = z.object({ redirect: redirectTarget, invite: token })
export const signUpSearch = z.object({ invite: token })
export const tokenSearch = z.object({ token })

export const ACTIVITY_DAYS = [7, 30, 90] as const
export const GROUP_BY = ['model', 'provider', 'lane', 'key'] as const
export type GroupBy = (typeof GROUP_BY)[number]

export const activitySearch = z.object({
  days: z.coerce
    .number()
    .refine((days) => (ACTIVITY_DAYS as readonly number[]).includes(days))
    .catch(30),
  group_by: z.enum(GROUP_BY).catch('model'),
})
export type ActivitySearch = z.infer<typeof activitySearch>

export const LANES = ['cheap', 'resale', 'byok'] as const
export const logsSearch = z.object({
  model: optionalText,
  lane: z.enum(LANES).optional().catch(undefined),
})
export type LogsSearch = z.infer<typeof logsSearch>

/**
 * What the console's API answers, as strict zod schemas (an unexpected field fails), with their
 * types. The web app imports the types; a server test parses every answer with its schema, so
 * the app can trust them without parsing in the browser. Amounts are exact decimal USD strings.
 *
 * @module
 */
import { z } from 'zod'
import { ALERT_KINDS } from './alert-events.ts'
import { ROLES } from './permissions.ts'

const time = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)
const usd = z.string().regex(/^-?\d+(\.\d+)?$/)
const role = z.enum(ROLES)

export const userSummary = z.strictObject({
  id: z.string(),
  email: z.string(),
  email_verified: z.boolean(),
  operator: z.boolean(),
  totp_enabled: z.boolean(),
  created_at: time,
})
export type UserSummary = z.infer<typeof userSummary>

export const workspaceMembership = z.strictObject({ id: z.string(), name: z.string(), role })
export type WorkspaceMembership = z.infer<typeof workspaceMembership>

export const sessionAnswer = z.strictObject({
  object: z.literal('session'),
  user: userSummary,
  /** Send it as `X-CSRF-Token` on every request that changes something. */
  csrf_token: z.string().min(20),
  /** The workspace this session acts on; null when the user belongs to none. */
  workspace: workspaceMembership.nullable(),
  workspaces: z.array(workspaceMembership),
  expires_at: time,
})
export type SessionAnswer = z.infer<typeof sessionAnswer>

export const sessionSummary = z.strictObject({
  id: z.string(),
  current: z.boolean(),
  created_at: time,
  last_seen_at: time,
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
})
export type SessionSummary = z.infer<typeof sessionSummary>
export const sessionsAnswer = z.strictObject({ object: z.literal('list'), data: z.array(sessionSummary) })

export const memberSummary = z.strictObject({ user_id: z.string(), email: z.string(), role, joined_at: time })
export type MemberSummary = z.infer<typeof memberSummary>

export const inviteSummary = z.strictObject({
  id: z.string(),
  email: z.string(),
  role,
  expires_at: time,
  created_at: time,
})
export type InviteSummary = z.infer<typeof inviteSummary>

export const membersAnswer = z.strictObject({
  object: z.literal('members'),
  data: z.array(memberSummary),
  invites: z.array(inviteSummary),
})
export type MembersAnswer = z.infer<typeof membersAnswer>

export const auditEntry = z.strictObject({
  id: z.string(),
  /** `user:<email>`, `key:<key id>` or `operator:<email>`. */
  actor: z.string(),
  /** e.g. `key.created`, `byok.stored`, `member.invited`, `credits.redeemed`. */
  action: z.string(),
  /** What it acted on, e.g. a key ID or a member's email. */
  target: z.string().nullable(),
  ip: z.string().nullable(),
  created_at: time,
})
export type AuditEntry = z.infer<typeof auditEntry>
export const auditAnswer = z.strictObject({
  object: z.literal('list'),
  data: z.array(auditEntry),
  has_more: z.boolean(),
})

export const overviewAnswer = z.strictObject({
  object: z.literal('overview'),
  currency: z.literal('USD'),
  balance: usd,
  held: usd,
  available: usd,
  spend: z.strictObject({ today: usd, last_7_days: usd, last_30_days: usd }),
  requests: z.strictObject({
    today: z.number().int(),
    last_7_days: z.number().int(),
    last_30_days: z.number().int(),
  }),
  daily: z
    .array(
      z.strictObject({
        day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        requests: z.number().int(),
        spend: usd,
      }),
    )
    .length(30),
})

export const creditsAnswer = z.strictObject({
  object: z.literal('credits'),
  currency: z.literal('USD'),
  balance: usd,
  held: usd,
  available: usd,
})

export const checkoutPreviewAnswer = z.strictObject({
  object: z.literal('checkout_preview'),
  enabled: z.boolean(),
  currency: z.literal('usd'),
  fee_fixed: usd,
  fee_percent: usd,
  minimum: usd.nullable(),
  maximum: usd.nullable(),
  amount: usd.nullable(),
  fee: usd.nullable(),
  total: usd.nullable(),
})

export const purchaseSummary = z.strictObject({
  id: z.string(),
  /** `auto_top_up`: an off-session charge of the saved card. */
  kind: z.enum(['checkout', 'auto_top_up']),
  created_at: time,
  paid_at: time.nullable(),
  amount: usd,
  fee: usd,
  total: usd,
  currency: z.string(),
  status: z.enum(['open', 'pending', 'paid', 'failed', 'expired']),
  refunded: usd,
  disputed: z.boolean(),
  receipt_url: z.string().nullable(),
})
export const purchasesAnswer = z.strictObject({
  object: z.literal('list'),
  data: z.array(purchaseSummary),
  has_more: z.boolean(),
})
/** `GET`/`PUT /api/v1/credits/auto-top-up`, `DELETE …/card`: the workspace's auto top-up. */
export const autoTopUpAnswer = z.strictObject({
  object: z.literal('auto_top_up'),
  enabled: z.boolean(),
  threshold: usd.nullable(),
  amount: usd.nullable(),
  card: z.strictObject({ brand: z.string(), last4: z.string() }).nullable(),
  last_attempt_at: time.nullable(),
  failures: z.number().int(),
  disabled_reason: z.string().nullable(),
})
export type AutoTopUpAnswer = z.infer<typeof autoTopUpAnswer>

const limits = z.strictObject({
  rpm: z.number().nullable(),
  tpm: z.number().nullable(),
  concurrency: z.number().nullable(),
})
/** A key's or workspace's spend limits and spending per period (routes/budgets.ts). */
export const budgetView = z.strictObject({
  held: usd,
  periods: z.array(
    z.strictObject({
      period: z.enum(['total', 'day', 'week', 'month']),
      limit: usd.nullable(),
      spent: usd,
      remaining: usd.nullable(),
      resets_at: time.nullable(),
    }),
  ),
})
export const budgetAnswer = budgetView
  .extend({ object: z.literal('budget'), scope: z.enum(['key', 'workspace']), id: z.string() })
  .strict()
export const keySummary = z.strictObject({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  created_at: time,
  last_used_at: time.nullable(),
  expires_at: time.nullable(),
  revoked_at: time.nullable(),
  lanes: z.array(z.string()).nullable(),
  models: z.array(z.string()).nullable(),
  management: z.boolean(),
  limits,
  budget: budgetView.nullable(),
})
export const keysAnswer = z.strictObject({ object: z.literal('list'), data: z.array(keySummary) })
export type BudgetView = z.infer<typeof budgetView>
export type BudgetAnswer = z.infer<typeof budgetAnswer>
export const keyCreatedAnswer = keySummary.extend({ key: z.string() }).strict()

export const workspaceAnswer = z.strictObject({
  id: z.string(),
  name: z.string(),
  created_at: time,
  default_lane: z.enum(['cheap', 'resale']),
  deny_data_collection: z.boolean(),
  prompt_cache: z.boolean(),
})

export const alertSettingsAnswer = z.strictObject({
  object: z.literal('alert_settings'),
  /** Alert when the balance falls below this (USD); null: no balance alert. */
  balance_below: usd.nullable(),
  /** Email the owner, admins and billing members. */
  email: z.boolean(),
})

export const alertWebhookSummary = z.strictObject({
  id: z.string(),
  url: z.string(),
  /** The alert kinds it receives; null: every kind. */
  events: z.array(z.enum(ALERT_KINDS)).nullable(),
  disabled: z.boolean(),
  created_at: time,
})
export type AlertWebhookSummary = z.infer<typeof alertWebhookSummary>
export const alertWebhooksAnswer = z.strictObject({
  object: z.literal('list'),
  data: z.array(alertWebhookSummary),
})
/** The signing secret is in this answer only: it is never shown again. */
export const alertWebhookCreatedAnswer = alertWebhookSummary
  .extend({ secret: z.string().regex(/^whsec_[0-9A-Za-z]{32,}$/) })
  .strict()
export const alertTestAnswer = z.strictObject({
  object: z.literal('alert_test'),
  webhook_id: z.string(),
  event_id: z.string(),
})

export const alertDeliverySummary = z.strictObject({
  id: z.string(),
  event_id: z.string(),
  /** The alert's kind (`alert.test` for a test). */
  event: z.string(),
  summary: z.string(),
  channel: z.enum(['webhook', 'email']),
  /** The webhook's URL or the email address. */
  target: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  /** The receiver's last HTTP status (webhooks). */
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: time.nullable(),
  delivered_at: time.nullable(),
  created_at: time,
})
export type AlertDeliverySummary = z.infer<typeof alertDeliverySummary>
export const alertDeliveriesAnswer = z.strictObject({
  object: z.literal('list'),
  data: z.array(alertDeliverySummary),
  has_more: z.boolean(),
})

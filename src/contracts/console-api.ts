/**
 * The console's part of the `/api/v1/*` management API: accounts, sessions, members, invites
 * and the audit log. Request bodies are strict zod objects (an unknown field is a 400 naming
 * it), parsed by the server and usable by the web app; answers are described as types. Every
 * amount is an exact decimal USD string.
 *
 *   GET    /api/v1/auth/session                      → SessionAnswer (401 when signed out)
 *   POST   /api/v1/auth/sign-up                      SignUpBody → SessionAnswer (sets the cookie)
 *   POST   /api/v1/auth/sign-in                      SignInBody → SessionAnswer (sets the cookie)
 *   POST   /api/v1/auth/sign-out                     → { signed_out: true }
 *   POST   /api/v1/auth/sign-out-everywhere          → { signed_out: true, sessions: n }
 *   GET    /api/v1/auth/sessions                     → { object: 'list', data: SessionSummary[] }
 *   DELETE /api/v1/auth/sessions/{id}                → { id, revoked: true }
 *   POST   /api/v1/auth/verify-email                 TokenBody → { verified: true }
 *   POST   /api/v1/auth/resend-verification          → { sent: true }
 *   POST   /api/v1/auth/password-reset               EmailBody → { sent: true } (always)
 *   POST   /api/v1/auth/password-reset/confirm       PasswordResetBody → { reset: true }
 *   POST   /api/v1/auth/password                     PasswordChangeBody → { changed: true }
 *   POST   /api/v1/auth/two-factor/setup             → { secret, otpauth_url } (not on until enabled)
 *   POST   /api/v1/auth/two-factor/enable            { code } → { enabled: true }
 *   POST   /api/v1/auth/two-factor/disable           { password } → { enabled: false }
 *   POST   /api/v1/auth/switch-workspace             SwitchWorkspaceBody → SessionAnswer
 *   POST   /api/v1/auth/accept-invite                TokenBody → SessionAnswer
 *   POST   /api/v1/workspaces                        CreateWorkspaceBody → SessionAnswer (switched to it)
 *   GET    /api/v1/members                           → MembersAnswer
 *   POST   /api/v1/members/invites                   InviteBody → InviteSummary
 *   DELETE /api/v1/members/invites/{id}              → { id, revoked: true }
 *   PATCH  /api/v1/members/{user_id}                 RoleBody → MemberSummary
 *   DELETE /api/v1/members/{user_id}                 → { user_id, removed: true } (yourself: leave)
 *   POST   /api/v1/members/transfer-ownership        TransferBody → MembersAnswer
 *   GET    /api/v1/audit?limit=&before=              → { object: 'list', data: AuditEntry[], has_more }
 *   GET    /api/v1/alerts/settings                   → alert settings
 *   PUT    /api/v1/alerts/settings                   AlertSettingsBody → alert settings
 *   GET    /api/v1/alerts/webhooks                   → { object: 'list', data: webhooks (no secrets) }
 *   POST   /api/v1/alerts/webhooks                   AlertWebhookBody → the webhook and its secret (once)
 *   DELETE /api/v1/alerts/webhooks/{id}              → { id, deleted: true }
 *   POST   /api/v1/alerts/webhooks/{id}/test         → { object: 'alert_test', webhook_id, event_id }
 *   GET    /api/v1/alerts/deliveries?limit=&before=  → { object: 'list', data: deliveries, has_more }
 *
 * @module
 */
import { z } from 'zod'
import { ALERT_KINDS } from './alert-events.ts'
import { ROLES } from './permissions.ts'

/** Passwords: 10 to 200 characters (NIST SP 800-63B: length, not composition rules). */
export const PASSWORD_MIN = 10
export const PASSWORD_MAX = 200

const email = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/)
  .describe('an email address')
const password = z
  .string()
  .min(PASSWORD_MIN)
  .max(PASSWORD_MAX)
  .describe(`a password of ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`)
const token = z.string().min(10).max(200).describe('the token from the link')

export const signUpBody = z.strictObject({
  email,
  password,
  workspace_name: z.string().trim().min(1).max(100).optional().describe('a name of 1 to 100 characters'),
  invite_token: token.optional(),
})
export type SignUpBody = z.infer<typeof signUpBody>

export const signInBody = z.strictObject({
  email,
  password: z.string().min(1).max(PASSWORD_MAX).describe('your password'),
  totp_code: z
    .string()
    .regex(/^\d{6}$/)
    .optional()
    .describe('the 6-digit code from your authenticator app'),
})
export type SignInBody = z.infer<typeof signInBody>

export const tokenBody = z.strictObject({ token })
export const emailBody = z.strictObject({ email })
export const passwordResetBody = z.strictObject({ token, password })
export const passwordChangeBody = z.strictObject({
  current_password: z.string().min(1).max(PASSWORD_MAX).describe('your current password'),
  new_password: password,
})
export const twoFactorEnableBody = z.strictObject({
  code: z
    .string()
    .regex(/^\d{6}$/)
    .describe('the 6-digit code from your authenticator app'),
})
export const twoFactorDisableBody = z.strictObject({
  password: z.string().min(1).max(PASSWORD_MAX).describe('your password'),
})
export const switchWorkspaceBody = z.strictObject({
  workspace_id: z.string().min(1).max(100).describe('a workspace ID'),
})
export const createWorkspaceBody = z.strictObject({
  name: z.string().trim().min(1).max(100).describe('a name of 1 to 100 characters'),
})
const role = z.enum(ROLES).describe(`one of ${ROLES.join(', ')}`)
const assignableRole = z
  .enum(['admin', 'developer', 'billing', 'viewer'])
  .describe('admin, developer, billing or viewer (ownership is transferred, not assigned)')
const usdLimit = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,9})?$/)
  .nullish()
  .describe('USD as a decimal string, e.g. "25.00", or null (or absent) for no limit')
/** `PUT /api/v1/keys/{id}/budget`: the key's spend limits per period (UTC); absent or null: none. */
export const keyBudgetBody = z.strictObject({
  total: usdLimit,
  day: usdLimit,
  week: usdLimit,
  month: usdLimit,
})
/** `PUT /api/v1/workspace/budget`: the workspace's monthly spend limit (UTC month); null: none. */
export const workspaceBudgetBody = z.strictObject({ month: usdLimit })
const cents = z
  .string()
  .regex(/^\d+(\.\d{1,2})?$/)
  .describe('USD with at most 2 decimals, e.g. "20.00"')
/**
 * `POST /api/v1/credits/checkout`: the credits to buy (the purchase fee is added on top);
 * `save_card`: keep the card for auto top-up.
 */
export const checkoutBody = z.strictObject({
  amount: cents,
  save_card: z.boolean().optional().describe('true or false'),
})
/** `PUT /api/v1/credits/auto-top-up`: charge the saved card for `amount` when the available balance is below `threshold`. */
export const autoTopUpBody = z.strictObject({
  enabled: z.boolean().describe('true or false'),
  threshold: cents,
  amount: cents,
})
/** `PUT /api/v1/alerts/settings`: the balance alert's threshold and whether to email. */
export const alertSettingsBody = z.strictObject({
  balance_below: z
    .string()
    .regex(/^\d{1,9}(\.\d{1,9})?$/)
    .nullable()
    .describe('USD as a decimal string, e.g. "5.00", or null for no balance alert'),
  email: z.boolean().describe('true or false (email the owner, admins and billing members)'),
})
/** `POST /api/v1/alerts/webhooks`: where to send alerts, and which (default: every kind). */
export const alertWebhookBody = z.strictObject({
  url: z.string().trim().min(1).max(2000).describe('an https URL of at most 2000 characters'),
  events: z
    .array(z.enum(ALERT_KINDS))
    .min(1)
    .max(ALERT_KINDS.length)
    .optional()
    .describe(`a list of alert kinds (${ALERT_KINDS.join(', ')})`),
})
export const inviteBody = z.strictObject({ email, role: assignableRole })
export const roleBody = z.strictObject({ role: assignableRole })
export const transferBody = z.strictObject({
  user_id: z.string().min(1).max(100).describe('a member’s user ID'),
})

export type {
  AuditEntry,
  InviteSummary,
  MemberSummary,
  MembersAnswer,
  SessionAnswer,
  SessionSummary,
  UserSummary,
  WorkspaceMembership,
} from './console-answers.ts'
export { role as roleSchema }

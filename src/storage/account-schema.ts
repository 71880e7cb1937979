/**
 * Table types of the console's accounts (see migrations/20261206T120000Z-console-accounts.ts),
 * as Kysely sees them. Timestamps are ISO-8601 strings in UTC; booleans are 0/1 integers.
 *
 * @module
 */

export interface UsersTable {
  id: string
  email: string
  password_hash: string
  email_verified_at: string | null
  operator: number
  created_at: string
  password_changed_at: string
  totp_secret: string | null
  totp_enabled_at: string | null
  totp_last_step: number | string | null
}

export interface SessionsTable {
  id: string
  token_hash: string
  user_id: string
  workspace_id: string | null
  csrf_token: string
  created_at: string
  last_seen_at: string
  expires_at: string
  ip: string | null
  user_agent: string | null
}

export interface MembershipsTable {
  workspace_id: string
  user_id: string
  role: string
  created_at: string
}

export interface InvitesTable {
  id: string
  workspace_id: string
  email: string
  role: string
  token_hash: string
  invited_by: string
  created_at: string
  expires_at: string
  accepted_at: string | null
  revoked_at: string | null
}

export interface EmailTokensTable {
  token_hash: string
  user_id: string
  purpose: string
  created_at: string
  expires_at: string
  used_at: string | null
}

export interface AuditLogTable {
  id: string
  workspace_id: string
  actor: string
  action: string
  target: string | null
  ip: string | null
  created_at: string
}

export interface PurchasesTable {
  id: string
  workspace_id: string
  session_id: string
  payment_intent: string | null
  amount_nano: number | string
  fee_nano: number | string
  total_cents: number | string
  currency: string
  status: string
  paid_cents: number | string
  refunded_cents: number | string
  taken_back_nano: number | string
  take_back_target_nano: number | string
  disputed: number
  receipt_url: string | null
  created_by: string
  created_at: string
  paid_at: string | null
  updated_at: string
  /** `checkout` or `auto_top_up` (migration 20261206T171000Z). */
  kind: string
}

export interface PaymentEventsTable {
  event_id: string
  type: string
  outcome: string
  received_at: string
}

/** The account tables, part of the whole schema. */
export interface AccountTables {
  purchases: PurchasesTable
  payment_events: PaymentEventsTable
  users: UsersTable
  sessions: SessionsTable
  memberships: MembershipsTable
  invites: InvitesTable
  email_tokens: EmailTokensTable
  audit_log: AuditLogTable
}

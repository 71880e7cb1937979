/**
 * Table types as Kysely sees them. Timestamps are ISO-8601 strings in UTC on both engines
 * (they sort and compare the same way everywhere); IDs are prefixed random strings.
 *
 * @module
 */

import type { Generated } from 'kysely'
import type { AccountTables } from './account-schema.ts'

export interface WorkspacesTable {
  id: string
  name: string
  created_at: string
  /** `cheap` or `resale`; null: the config's `workspaces.default_lane`. */
  default_lane: string | null
  /** 1: skip offers that retain prompts or train on them, on every lane. */
  deny_data_collection: Generated<number>
  /** Rate-limit tier; null: the config's default tier. */
  tier: string | null
  /** 0: never answer this workspace from the prompt cache. */
  prompt_cache: Generated<number>
  /** Overrides of the tier's limits; null: the tier's value. */
  rpm_limit: number | null
  tpm_limit: number | null
  concurrency_limit: number | null
  /** 1: the operator suspended the workspace; its API keys are refused. */
  suspended: Generated<number>
}

export interface ApiKeysTable {
  id: string
  workspace_id: string
  name: string
  /** The first characters of the key, shown in lists and logs. */
  prefix: string
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  hash: string
  created_at: string
  last_used_at: string | null
  expires_at: string | null
  revoked_at: string | null
  /** Comma-separated lanes the key may use; null: every lane. */
  allowed_lanes: string | null
  /** JSON array of model ID patterns (`*` wildcard) the key may use; null: every model. */
  allowed_models: string | null
  /** 1: the key may also call the management API (`/api/v1/…`) for its workspace. */
  management: Generated<number>
  /** The key's own limits (stricter than its workspace's); null: the workspace's. */
  rpm_limit: number | null
  tpm_limit: number | null
  concurrency_limit: number | null
}

/** A workspace's own provider key, encrypted (AES-256-GCM) with the master key. */
export interface ByokCredentialsTable {
  workspace_id: string
  provider: string
  /** `v1.<key id>.<iv>.<tag>.<ciphertext>`, base64url parts. */
  ciphertext: string
  /** Which master key encrypted it (first 8 hex digits of its SHA-256). */
  key_id: string
  /** e.g. `sk-…wxyz`: all that is ever shown after saving. */
  hint: string
  created_at: string
  updated_at: string
}

/** A cache of the ledger: `balance_nano` always equals the sum of the workspace's entries. */
export interface WorkspaceBalancesTable {
  workspace_id: string
  balance_nano: number
  /** Sum of the workspace's open holds. */
  held_nano: number
  updated_at: string
}

/** Append-only. Positive amounts credit the workspace, negative ones debit it. */
export interface LedgerEntriesTable {
  id: string
  workspace_id: string
  kind: string
  amount_nano: number
  balance_after_nano: number
  reason: string
  actor: string
  idempotency_key: string | null
  request_id: string | null
  created_at: string
}

/**
 * Where credit came from and how much of it is left: every credit is a lot, every debit
 * consumes lots soonest-expiring first; expired remainders become `expiry` entries. The lots'
 * remaining amounts always sum to the balance.
 */
export interface CreditLotsTable {
  id: string
  workspace_id: string
  /** The ledger entry that created it. */
  entry_id: string
  amount_nano: number
  remaining_nano: number
  /** Null: never expires (adjustments, refunds). */
  expires_at: string | null
  created_at: string
}

/**
 * Open reservations of one gateway instance in one workspace, summed: `held_nano` of a
 * workspace's balance is the sum of its rows. A row whose heartbeat stopped belongs to a crashed
 * instance and is reclaimed.
 */
export interface InstanceHoldsTable {
  instance_id: string
  workspace_id: string
  held_nano: number
  heartbeat_at: string
}

/** A redeemable credit code, stored as the SHA-256 of the code (like API keys). */
export interface CreditCodesTable {
  code_hash: string
  /** The first characters, for support and lists. */
  prefix: string
  batch_id: string
  amount_nano: number
  expires_at: string | null
  created_at: string
  redeemed_by: string | null
  redeemed_at: string | null
  /** Set when the operator revoked the code before it was used: it can no longer be redeemed. */
  revoked_at: Generated<string | null>
}

/** One row per API call, metadata only: never prompts or completions. */
export interface RequestLogsTable {
  /** The generation ID (`x-onekey-generation-id`). */
  id: string
  request_id: string
  workspace_id: string
  key_id: string
  model: string | null
  lane: string | null
  provider: string | null
  upstream_model: string | null
  stream: number
  status: number
  error_code: string | null
  prompt_tokens: number
  completion_tokens: number
  cached_tokens: number
  cost_nano: number
  latency_ms: number
  first_byte_ms: number | null
  finish_reason: string | null
  /** What the request took from the balance (at most its cost), nano-USD. */
  charged_nano: Generated<number>
  /** The `usage` ledger entry that includes this charge; null when nothing was charged. */
  ledger_entry_id: string | null
  /** `upstream` (reported usage) or `estimated` (counted by the gateway). */
  usage_source: string | null
  created_at: string
}

/** A key's or workspace's spend limits and counters (migration 20261206T160000Z). */
export interface SpendBudgetsTable {
  scope_id: string
  workspace_id: string
  scope: string
  active: number
  held_nano: number
  total_limit_nano: number | null
  total_spent_nano: number
  total_start: string
  day_limit_nano: number | null
  day_spent_nano: number
  day_start: string
  week_limit_nano: number | null
  week_spent_nano: number
  week_start: string
  month_limit_nano: number | null
  month_spent_nano: number
  month_start: string
  updated_at: string
}

/** How much of a budget's holds one gateway instance holds. */
export interface InstanceBudgetHoldsTable {
  instance_id: string
  scope_id: string
  workspace_id: string
  held_nano: number
}

export interface DatabaseSchema extends AccountTables, AlertTables {
  spend_budgets: SpendBudgetsTable
  auto_top_ups: AutoTopUpsTable
  instance_budget_holds: InstanceBudgetHoldsTable
  workspaces: WorkspacesTable
  api_keys: ApiKeysTable
  byok_credentials: ByokCredentialsTable
  workspace_balances: WorkspaceBalancesTable
  ledger_entries: LedgerEntriesTable
  instance_holds: InstanceHoldsTable
  credit_lots: CreditLotsTable
  credit_codes: CreditCodesTable
  request_logs: RequestLogsTable
}

export type Dialect = 'sqlite' | 'postgres'

/** A workspace's alert settings (migration 20261206T170000Z-alerts). */
export interface AlertSettingsTable {
  workspace_id: string
  /** Alert when the balance falls below this, nano-USD; null: never. */
  balance_below_nano: number | null
  /** 1: email the owner, admins and billing members. */
  email: number
  updated_at: string
}

/** A webhook a workspace registered for its alerts. */
export interface AlertWebhooksTable {
  id: string
  workspace_id: string
  url: string
  /** Signs every delivery (HMAC-SHA256); shown once, when the webhook is created. */
  secret: string
  /** Comma-separated alert kinds; null: every kind. */
  events: string | null
  created_at: string
  disabled: number
}

/** One alert raised; `dedupe_key` is unique (one alert per event and threshold crossing). */
export interface AlertEventsTable {
  id: string
  workspace_id: string
  kind: string
  dedupe_key: string
  summary: string
  /** JSON object. */
  data: string
  created_at: string
}

/** One alert to one target (a webhook or an email address), and how sending it went. */
export interface AlertDeliveriesTable {
  id: string
  event_id: string
  workspace_id: string
  channel: string
  webhook_id: string | null
  target: string
  /** `pending`, `delivered` or `failed`. */
  status: string
  attempts: number
  next_attempt_at: string | null
  last_status: number | null
  last_error: string | null
  delivered_at: string | null
  claimed_until: string | null
  created_at: string
}

export interface AlertTables {
  alert_settings: AlertSettingsTable
  alert_webhooks: AlertWebhooksTable
  alert_events: AlertEventsTable
  alert_deliveries: AlertDeliveriesTable
}

/** A workspace's auto top-up: its settings, saved card and attempts (migration 20261206T171000Z). */
export interface AutoTopUpsTable {
  workspace_id: string
  /** 1: charge the saved card when the available balance falls below the threshold. */
  enabled: Generated<number>
  threshold_nano: number | string | null
  amount_nano: number | string | null
  customer_id: string | null
  payment_method: string | null
  card_brand: string | null
  card_last4: string | null
  /** When the last charge was claimed (at most one per interval); its purchase ID. */
  last_attempt_at: string | null
  last_attempt_id: string | null
  /** Failed charges in a row (a success resets it). */
  failures: Generated<number>
  disabled_reason: string | null
  updated_at: string
}

/**
 * The sharding path (docs/scaling.md, "Citus"): the live PostgreSQL schema after every
 * migration, read from information_schema and pg_catalog, against the plan for distributing it
 * by workspace. Every table is classified (a new table fails here until it is): distributed by
 * `workspace_id` (money, logs, a workspace's own settings) or a reference table (replicated to
 * every node: tenants, keys, accounts, codes, the migrator's). Every distributed table carries
 * `workspace_id NOT NULL`. Citus also needs the distribution column in every unique constraint
 * and unique index, and in every foreign key between distributed tables, and refuses foreign
 * keys from a reference table to a distributed one: what is not ready yet is listed exactly
 * below (KNOWN_GAPS), so that a migration closing a gap, or a new one opening, shows here.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { createStore } from '../../src/storage/create-store.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'

const skip = await postgresSkipReason()

/** Money and log tables, and a workspace's own settings: distributed by `workspace_id`. */
const DISTRIBUTED = [
  'workspace_balances',
  'ledger_entries',
  'credit_lots',
  'instance_holds',
  'instance_budget_holds',
  'spend_budgets',
  'request_logs',
  'purchases',
  'auto_top_ups',
  'audit_log',
  'alert_settings',
  'alert_webhooks',
  'alert_events',
  'alert_deliveries',
  'byok_credentials',
].sort()

/**
 * Reference tables: small, written rarely, read by something other than a workspace (a key's
 * hash, a user, a session token, a code's hash, a Stripe event ID) or listing every workspace.
 */
const REFERENCE = [
  'workspaces',
  'api_keys',
  'users',
  'sessions',
  'memberships',
  'invites',
  'email_tokens',
  'credit_codes',
  'payment_events',
  'kysely_migration',
  'kysely_migration_lock',
].sort()

/**
 * Unique constraints and indexes of distributed tables without `workspace_id` (Citus refuses
 * them), as `table: name (columns)`. What a migration would do for each is in docs/scaling.md.
 */
const KNOWN_GAPS_UNIQUE = [
  'alert_deliveries: alert_deliveries_pkey (id)',
  'alert_events: alert_events_dedupe_key_key (dedupe_key)',
  'alert_events: alert_events_pkey (id)',
  'alert_webhooks: alert_webhooks_pkey (id)',
  'audit_log: audit_log_pkey (id)',
  'credit_lots: credit_lots_pkey (id)',
  'instance_budget_holds: instance_budget_holds_pk (instance_id, scope_id)',
  'ledger_entries: ledger_entries_pkey (id)',
  'purchases: purchases_pkey (id)',
  'purchases: purchases_session_id_key (session_id)',
  'request_logs: request_logs_pkey (id, created_at)',
  'spend_budgets: spend_budgets_pkey (scope_id)',
]

/** Foreign keys between distributed tables without `workspace_id` on both sides (Citus refuses them). */
const KNOWN_GAPS_FOREIGN = ['alert_deliveries (event_id) → alert_events (id)']

interface Column {
  table_name: string
  column_name: string
  is_nullable: string
}

describe('the schema is ready for distribution by workspace_id', { skip }, () => {
  const schema = uniqueSchemaName('sharding')
  let client: pg.Client
  const query = async <Row extends pg.QueryResultRow>(text: string) =>
    (await client.query<Row>(text, [schema])).rows

  before(async () => {
    const store = await createStore({ kind: 'postgres', url: `${TEST_POSTGRES_URL}?schema=${schema}` })
    try {
      await store.migrate()
    } finally {
      await store.close()
    }
    client = new pg.Client({ connectionString: TEST_POSTGRES_URL })
    await client.connect()
  })
  after(async () => {
    await client?.end()
    await dropSchema(schema)
  })

  test('every table is classified: distributed by workspace_id or a reference table', async () => {
    // Partitions (request_logs' days and its default) follow their parent.
    const tables = await query<{ relname: string }>(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition order by c.relname`,
    )
    const names = tables.map((row) => row.relname)
    assert.deepEqual(names, [...DISTRIBUTED, ...REFERENCE].sort())
    const listed = await query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = $1 order by table_name`,
    )
    for (const table of DISTRIBUTED)
      assert.ok(
        listed.some((row) => row.table_name === table),
        table,
      )
  })

  test('every money, log and workspace-settings table has workspace_id NOT NULL', async () => {
    const columns = await query<Column>(
      `select table_name, column_name, is_nullable from information_schema.columns
       where table_schema = $1 and column_name = 'workspace_id'`,
    )
    for (const table of DISTRIBUTED) {
      const column = columns.find((row) => row.table_name === table)
      assert.ok(column, `${table} has workspace_id`)
      assert.equal(column.is_nullable, 'NO', `${table}.workspace_id is NOT NULL`)
    }
  })

  test('the partitioned request log is partitioned by created_at (Citus distributes partitioned tables whole)', async () => {
    const [row] = await query<{ definition: string }>(
      `select pg_get_partkeydef(c.oid) as definition from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and c.relname = 'request_logs'`,
    )
    assert.equal(row?.definition, 'RANGE (created_at)')
  })

  test('unique constraints and indexes of distributed tables without workspace_id: exactly the known gaps', async () => {
    const unique = await query<{ table: string; index: string; columns: string[] }>(
      `select t.relname as table, i.relname as index,
         array(select a.attname from unnest(x.indkey) with ordinality as k(attnum, position)
               join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.position)::text[] as columns
       from pg_index x
       join pg_class t on t.oid = x.indrelid
       join pg_class i on i.oid = x.indexrelid
       join pg_namespace n on n.oid = t.relnamespace
       where n.nspname = $1 and x.indisunique and not t.relispartition`,
    )
    const distributed = unique.filter((row) => DISTRIBUTED.includes(row.table))
    assert.ok(distributed.length >= DISTRIBUTED.length, 'every distributed table has a unique key')
    const gaps = distributed
      .filter((row) => !row.columns.includes('workspace_id'))
      .map((row) => `${row.table}: ${row.index} (${row.columns.join(', ')})`)
      .sort()
    assert.deepEqual(gaps, KNOWN_GAPS_UNIQUE)
  })

  test('foreign keys: none from a reference table to a distributed one; between distributed ones, exactly the known gaps', async () => {
    const keys = await query<{
      table: string
      columns: string[]
      referenced: string
      referencedColumns: string[]
    }>(
      `select t.relname as table, f.relname as referenced,
         array(select a.attname from unnest(con.conkey) k join pg_attribute a on a.attrelid = t.oid and a.attnum = k)::text[] as columns,
         array(select a.attname from unnest(con.confkey) k join pg_attribute a on a.attrelid = f.oid and a.attnum = k)::text[] as "referencedColumns"
       from pg_constraint con
       join pg_class t on t.oid = con.conrelid
       join pg_class f on f.oid = con.confrelid
       join pg_namespace n on n.oid = t.relnamespace
       where n.nspname = $1 and con.contype = 'f'`,
    )
    const fromReference = keys.filter(
      (key) => REFERENCE.includes(key.table) && DISTRIBUTED.includes(key.referenced),
    )
    assert.deepEqual(fromReference, [])
    const gaps = keys
      .filter((key) => DISTRIBUTED.includes(key.table) && DISTRIBUTED.includes(key.referenced))
      .filter(
        (key) => !key.columns.includes('workspace_id') || !key.referencedColumns.includes('workspace_id'),
      )
      .map(
        (key) =>
          `${key.table} (${key.columns.join(', ')}) → ${key.referenced} (${key.referencedColumns.join(', ')})`,
      )
      .sort()
    assert.deepEqual(gaps, KNOWN_GAPS_FOREIGN)
    // Every distributed table's workspace_id that references anything references workspaces (a reference table).
    for (const key of keys.filter(
      (one) => DISTRIBUTED.includes(one.table) && one.columns.includes('workspace_id'),
    )) {
      assert.equal(key.referenced, 'workspaces', `${key.table} → ${key.referenced}`)
    }
  })
})

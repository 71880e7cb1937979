import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../schema.ts'

/**
 * PostgreSQL: triggers that publish every committed change to what gateways cache (keys,
 * workspace settings, whether a spend limit applies, BYOK credentials) with `pg_notify` on the
 * channel `onekey_changes:<schema>`, payloads as in `storage/change-notifications.ts`. They run
 * inside the writing transaction, so a change is heard once committed, whoever wrote it. A key's
 * last-use time and a limit's counters (written by every settlement) publish nothing.
 *
 * SQLite: nothing stored; the server's connection adds temporary triggers of its own
 * (`storage/change-notifications-sqlite.ts`).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return
  await sql
    .raw(`create or replace function onekey_notify_change() returns trigger language plpgsql as $$
declare
  channel text := 'onekey_changes:' || TG_TABLE_SCHEMA;
  row_data json := to_json(case when TG_OP = 'DELETE' then OLD else NEW end);
begin
  if TG_TABLE_NAME = 'api_keys' then
    perform pg_notify(channel, json_build_object('kind', 'key', 'keyHash', row_data->>'hash')::text);
    if TG_OP = 'UPDATE' and OLD.hash is distinct from NEW.hash then
      perform pg_notify(channel, json_build_object('kind', 'key', 'keyHash', OLD.hash)::text);
    end if;
  elsif TG_TABLE_NAME = 'workspaces' then
    perform pg_notify(channel, json_build_object('kind', 'workspace', 'workspaceId', row_data->>'id')::text);
  elsif TG_TABLE_NAME = 'spend_budgets' then
    perform pg_notify(channel, json_build_object('kind', 'workspace', 'workspaceId', row_data->>'workspace_id')::text);
  elsif TG_TABLE_NAME = 'byok_credentials' then
    perform pg_notify(channel, json_build_object('kind', 'byok', 'workspaceId', row_data->>'workspace_id',
      'provider', row_data->>'provider')::text);
  end if;
  return null;
end
$$`)
    .execute(db)
  const statements = [
    `create trigger onekey_api_keys_written after insert or delete on api_keys
       for each row execute function onekey_notify_change()`,
    // Not for last-use times: `touch` writes them every few seconds.
    `create trigger onekey_api_keys_changed after update on api_keys for each row
       when ((to_jsonb(OLD) - 'last_used_at') is distinct from (to_jsonb(NEW) - 'last_used_at'))
       execute function onekey_notify_change()`,
    `create trigger onekey_workspaces_changed after update or delete on workspaces
       for each row execute function onekey_notify_change()`,
    `create trigger onekey_spend_budgets_written after insert or delete on spend_budgets
       for each row execute function onekey_notify_change()`,
    // Only whether a limit applies (authentication caches it); counters move with every settlement.
    `create trigger onekey_spend_budgets_changed after update on spend_budgets for each row
       when (OLD.active is distinct from NEW.active) execute function onekey_notify_change()`,
    `create trigger onekey_byok_credentials_changed after insert or update or delete on byok_credentials
       for each row execute function onekey_notify_change()`,
  ]
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return
  for (const [trigger, table] of [
    ['onekey_api_keys_written', 'api_keys'],
    ['onekey_api_keys_changed', 'api_keys'],
    ['onekey_workspaces_changed', 'workspaces'],
    ['onekey_spend_budgets_written', 'spend_budgets'],
    ['onekey_spend_budgets_changed', 'spend_budgets'],
    ['onekey_byok_credentials_changed', 'byok_credentials'],
  ] as const)
    await sql.raw(`drop trigger if exists ${trigger} on ${table}`).execute(db)
  await sql.raw('drop function if exists onekey_notify_change()').execute(db)
}

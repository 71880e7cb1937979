/**
 * Alerts on either dialect. An event is inserted if its dedupe key is absent, with its
 * deliveries, in one transaction: whichever instance comes second writes nothing. Workers claim
 * due deliveries with a conditional update (the second claimant of a row changes nothing), so a
 * delivery is sent by one worker at a time across instances.
 *
 * @module
 */
import type { Kysely, Selectable } from 'kysely'
import type {
  AlertDeliveryRecord,
  AlertEventRecord,
  AlertRepository,
  AlertWebhookRecord,
  ClaimedDelivery,
  DeliveryChannel,
  DeliveryStatus,
} from './alert-records.ts'
import { changed } from './membership-repository.ts'
import type { AlertDeliveriesTable, AlertEventsTable, AlertWebhooksTable, DatabaseSchema } from './schema.ts'

export type { AlertRepository } from './alert-records.ts'

function toWebhook(row: Selectable<AlertWebhooksTable>): AlertWebhookRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    url: row.url,
    secret: row.secret,
    events: row.events === null ? null : row.events.split(',').filter((kind) => kind !== ''),
    createdAt: row.created_at,
    disabled: Number(row.disabled) === 1,
  }
}

function toEvent(row: Selectable<AlertEventsTable>): AlertEventRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    kind: row.kind,
    dedupeKey: row.dedupe_key,
    summary: row.summary,
    data: row.data,
    createdAt: row.created_at,
  }
}

function toDelivery(row: Selectable<AlertDeliveriesTable>): AlertDeliveryRecord {
  return {
    id: row.id,
    eventId: row.event_id,
    workspaceId: row.workspace_id,
    channel: row.channel as DeliveryChannel,
    webhookId: row.webhook_id,
    target: row.target,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  }
}

export function createAlertRepository(db: Kysely<DatabaseSchema>): AlertRepository {
  return {
    async settings(workspaceId) {
      const row = await db
        .selectFrom('alert_settings')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst()
      if (row === undefined) return undefined
      return {
        workspaceId: row.workspace_id,
        balanceBelowNano: row.balance_below_nano === null ? null : Number(row.balance_below_nano),
        email: Number(row.email) === 1,
        updatedAt: row.updated_at,
      }
    },
    async putSettings(record) {
      const values = {
        balance_below_nano: record.balanceBelowNano,
        email: record.email ? 1 : 0,
        updated_at: record.updatedAt,
      }
      await db
        .insertInto('alert_settings')
        .values({ workspace_id: record.workspaceId, ...values })
        .onConflict((conflict) => conflict.column('workspace_id').doUpdateSet(values))
        .execute()
    },

    async createWebhook(record) {
      await db
        .insertInto('alert_webhooks')
        .values({
          id: record.id,
          workspace_id: record.workspaceId,
          url: record.url,
          secret: record.secret,
          events: record.events === null ? null : record.events.join(','),
          created_at: record.createdAt,
          disabled: record.disabled ? 1 : 0,
        })
        .execute()
    },
    async listWebhooks(workspaceId) {
      const rows = await db
        .selectFrom('alert_webhooks')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      return rows.map(toWebhook)
    },
    async findWebhook(workspaceId, id) {
      const row = await db
        .selectFrom('alert_webhooks')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row === undefined ? undefined : toWebhook(row)
    },
    async deleteWebhook(workspaceId, id) {
      const result = await db
        .deleteFrom('alert_webhooks')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst()
      return changed(result) === 1
    },

    async recipients(workspaceId, roles) {
      if (roles.length === 0) return []
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('users.email')
        .where('memberships.workspace_id', '=', workspaceId)
        .where('memberships.role', 'in', roles)
        .where('users.email_verified_at', 'is not', null)
        .orderBy('users.email')
        .execute()
      return rows.map((row) => row.email)
    },

    async recordEvent(event, deliveries) {
      return db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('alert_events')
          .values({
            id: event.id,
            workspace_id: event.workspaceId,
            kind: event.kind,
            dedupe_key: event.dedupeKey,
            summary: event.summary,
            data: event.data,
            created_at: event.createdAt,
          })
          .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
          .executeTakeFirst()
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return false
        if (deliveries.length > 0) {
          await trx
            .insertInto('alert_deliveries')
            .values(
              deliveries.map((delivery) => ({
                id: delivery.id,
                event_id: delivery.eventId,
                workspace_id: delivery.workspaceId,
                channel: delivery.channel,
                webhook_id: delivery.webhookId,
                target: delivery.target,
                status: delivery.status,
                attempts: delivery.attempts,
                next_attempt_at: delivery.nextAttemptAt,
                last_status: delivery.lastStatus,
                last_error: delivery.lastError,
                delivered_at: delivery.deliveredAt,
                claimed_until: null,
                created_at: delivery.createdAt,
              })),
            )
            .execute()
        }
        return true
      })
    },

    async claimDue(now, claimUntil, limit) {
      const candidates = await db
        .selectFrom('alert_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute()
      const claimed: string[] = []
      for (const { id } of candidates) {
        // The same conditions again: of two workers racing for a row, the second updates nothing.
        const result = await db
          .updateTable('alert_deliveries')
          .set((eb) => ({ claimed_until: claimUntil, attempts: eb('attempts', '+', 1) }))
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
          .executeTakeFirst()
        if (changed(result) === 1) claimed.push(id)
      }
      if (claimed.length === 0) return []
      const rows = await db.selectFrom('alert_deliveries').selectAll().where('id', 'in', claimed).execute()
      const events = await db
        .selectFrom('alert_events')
        .selectAll()
        .where('id', 'in', [...new Set(rows.map((row) => row.event_id))])
        .execute()
      const webhookIds = rows.flatMap((row) => (row.webhook_id === null ? [] : [row.webhook_id]))
      const webhooks =
        webhookIds.length === 0
          ? []
          : await db
              .selectFrom('alert_webhooks')
              .select(['id', 'secret'])
              .where('id', 'in', [...new Set(webhookIds)])
              .where('disabled', '=', 0)
              .execute()
      const eventById = new Map(events.map((row) => [row.id, toEvent(row)]))
      const secretById = new Map(webhooks.map((row) => [row.id, row.secret]))
      return rows.map(
        (row): ClaimedDelivery => ({
          ...toDelivery(row),
          event: eventById.get(row.event_id)!,
          secret: row.webhook_id === null ? null : (secretById.get(row.webhook_id) ?? null),
          claimedUntil: claimUntil,
        }),
      )
    },

    async finish(id, claimedUntil, outcome) {
      const result = await db
        .updateTable('alert_deliveries')
        .set(
          outcome.status === 'delivered'
            ? {
                status: 'delivered',
                delivered_at: outcome.at,
                last_status: outcome.lastStatus,
                last_error: null,
                next_attempt_at: null,
                claimed_until: null,
              }
            : {
                status: outcome.status,
                last_status: outcome.lastStatus,
                last_error: outcome.lastError.slice(0, 300),
                next_attempt_at: outcome.nextAttemptAt,
                claimed_until: null,
              },
        )
        .where('id', '=', id)
        .where('claimed_until', '=', claimedUntil)
        .executeTakeFirst()
      return changed(result) === 1
    },

    async listDeliveries(workspaceId, { limit, before }) {
      let query = db
        .selectFrom('alert_deliveries')
        .innerJoin('alert_events', 'alert_events.id', 'alert_deliveries.event_id')
        .selectAll('alert_deliveries')
        .select(['alert_events.kind', 'alert_events.summary'])
        .where('alert_deliveries.workspace_id', '=', workspaceId)
        .orderBy('alert_deliveries.id', 'desc')
        .limit(limit)
      if (before !== undefined) query = query.where('alert_deliveries.id', '<', before)
      const rows = await query.execute()
      return rows.map((row) => ({ ...toDelivery(row), kind: row.kind, summary: row.summary }))
    },
  }
}

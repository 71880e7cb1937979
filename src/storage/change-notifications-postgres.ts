/**
 * Change notifications on PostgreSQL: one dedicated connection per instance runs `LISTEN` on the
 * schema's channel (outside the pool, which never holds a session for long). A lost connection
 * (network, restart, `pg_terminate_backend`) is re-opened with backoff (100 ms doubling to 5 s);
 * once listening again, listeners are told `onReset`, since notifications sent meanwhile are lost.
 *
 * @module
 * @see https://www.postgresql.org/docs/current/sql-listen.html
 * @see https://node-postgres.com/apis/client#notification
 */
import type pg from 'pg'
import {
  type ChangeListener,
  type ChangeNotificationStatus,
  type ChangeNotifications,
  changeChannel,
  createListenerSet,
  parseChange,
} from './change-notifications.ts'
import { rawStatement } from './raw-statement.ts'

export interface PostgresChangeOptions {
  /** Opens a new, unconnected client (same URL and search path as the pool). */
  newClient: () => pg.Client
  /** The schema whose changes to hear (the tables' schema), or how to find it on first use. */
  schema: string | (() => Promise<string>)
  /** A lost connection, a failed reconnect, a listener that threw. */
  onError?: (error: unknown) => void
}

const FIRST_BACKOFF_MS = 100
const MAX_BACKOFF_MS = 5_000

/** The quoted identifier of a channel (LISTEN takes an identifier, not a parameter). */
function quoted(channel: string): string {
  return `"${channel.replaceAll('"', '""')}"`
}

export function createPostgresChangeNotifications(options: PostgresChangeOptions): ChangeNotifications {
  // Found on first use: creating the store never connects (an unreachable server is reported
  // by the first real statement, as before).
  let channel: string | undefined
  let channelLookup: Promise<string> | undefined
  function channelName(): Promise<string> {
    const schema = options.schema
    channelLookup ??= (typeof schema === 'string' ? Promise.resolve(schema) : schema()).then(
      (name) => {
        channel = changeChannel(name)
        return channel
      },
      (error: unknown) => {
        channelLookup = undefined // asked again on the next try
        throw error
      },
    )
    return channelLookup
  }
  const onError = options.onError ?? (() => {})
  const set = createListenerSet(onError)
  const status: ChangeNotificationStatus = { listening: false, resets: 0, received: 0, backendPid: null }
  let client: pg.Client | undefined
  let starting: Promise<void> | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let backoffMs = FIRST_BACKOFF_MS
  let closed = false
  let everListened = false
  const notify = rawStatement('postgres', 'select pg_notify(?, ?)')

  async function listen(): Promise<void> {
    const listenChannel = await channelName()
    const next = options.newClient()
    // Until connected, a failure rejects connect(); afterwards it arrives here, once per loss.
    let lost = false
    const onLost = (error?: unknown) => {
      if (lost) return
      lost = true
      if (client === next) {
        client = undefined
        status.listening = false
        status.backendPid = null
      }
      next.removeAllListeners('notification')
      next.end().catch(() => {})
      if (error !== undefined) onError(error)
      scheduleRetry()
    }
    next.on('error', onLost)
    next.on('end', () => onLost())
    next.on('notification', (message) => {
      if (message.channel !== channel) return
      const change = parseChange(message.payload)
      if (change === undefined) return
      status.received++
      set.change(change)
    })
    await next.connect()
    await next.query(`LISTEN ${quoted(listenChannel)}`)
    if (lost || closed) {
      await next.end().catch(() => {})
      return
    }
    client = next
    status.listening = true
    status.backendPid = (next as unknown as { processID?: number }).processID ?? null
    backoffMs = FIRST_BACKOFF_MS
    if (everListened) {
      // Whatever was published while nobody listened is lost: caches start over.
      status.resets++
      set.reset()
    }
    everListened = true
  }

  function scheduleRetry(): void {
    if (closed || retryTimer !== undefined) return
    const delay = backoffMs
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS)
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      listen().catch((error: unknown) => {
        onError(error)
        scheduleRetry()
      })
    }, delay)
    retryTimer.unref()
  }

  return {
    async subscribe(listener: ChangeListener) {
      set.listeners.add(listener)
      if (starting === undefined && !closed) starting = listen()
      await starting
      return () => {
        set.listeners.delete(listener)
      }
    },
    async publish(runner, change) {
      await notify(runner, [channel ?? (await channelName()), JSON.stringify(change)])
    },
    status: () => ({ ...status }),
    async close() {
      closed = true
      if (retryTimer !== undefined) clearTimeout(retryTimer)
      retryTimer = undefined
      const current = client
      client = undefined
      status.listening = false
      if (current !== undefined) {
        current.removeAllListeners('end')
        current.removeAllListeners('notification')
        await current.end().catch(() => {})
      }
    },
  }
}

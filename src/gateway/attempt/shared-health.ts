/**
 * Circuit state shared across gateway instances through Redis. When one instance opens an
 * account's circuit (a revoked key, an outage, a 429 with Retry-After) every instance stops
 * sending to that account at once, instead of each discovering it with its own failed requests;
 * when a probe closes it, every instance resumes. Open circuits are also stored as keys that
 * expire with the cool-down, so an instance that starts later picks them up.
 *
 * Best effort by design: if Redis is unreachable, each instance keeps its own circuits and a
 * warning is logged; requests never wait on Redis. Rolling latency/error stats stay per
 * instance (they are sampled from each instance's own traffic).
 *
 * @module
 * @see https://redis.io/docs/latest/develop/interact/pubsub/
 */
import { randomUUID } from 'node:crypto'
import { closeRedis } from '../../ratelimit/close-redis.ts'
import type { AccountHealth, CircuitTransition } from './account-health.ts'

interface Message {
  from: string
  account: string
  transition: CircuitTransition
}

export interface SharedHealth {
  /** Sends a local transition to the other instances (fire and forget). */
  publish(account: string, transition: CircuitTransition): void
  close(): Promise<void>
}

export interface SharedHealthOptions {
  url: string
  /** Prefix of keys and the channel, so deployments (or test runs) can share one Redis. */
  keyPrefix: string
  health: () => AccountHealth
  onError: (error: unknown) => void
  now?: () => number
}

const SCAN_LIMIT = 10_000

/** Connects, loads the circuits other instances opened, and starts listening. */
export async function connectSharedHealth(options: SharedHealthOptions): Promise<SharedHealth> {
  const { Redis } = await import('ioredis')
  const now = options.now ?? Date.now
  const instanceId = randomUUID()
  const channel = `${options.keyPrefix}health`
  const keyOf = (account: string) => `${options.keyPrefix}health:${account}`
  const connection = { lazyConnect: true, maxRetriesPerRequest: 1 } as const
  const publisher = new Redis(options.url, { ...connection, enableOfflineQueue: false })
  const subscriber = new Redis(options.url, connection)
  publisher.on('error', options.onError)
  subscriber.on('error', options.onError)
  await Promise.all([publisher.connect(), subscriber.connect()])

  subscriber.on('message', (_channel: string, text: string) => {
    try {
      const message = JSON.parse(text) as Message
      if (message.from !== instanceId) options.health().applyShared(message.account, message.transition)
    } catch (error) {
      options.onError(error)
    }
  })
  await subscriber.subscribe(channel)

  // Circuits opened before this instance started.
  let cursor = '0'
  let seen = 0
  do {
    const [next, keys] = await publisher.scan(cursor, 'MATCH', `${keyOf('')}*`, 'COUNT', 500)
    cursor = next
    seen += keys.length
    const values = keys.length === 0 ? [] : await publisher.mget(...keys)
    keys.forEach((key, index) => {
      const untilMs = Number(values[index])
      if (untilMs > now()) {
        options.health().applyShared(key.slice(keyOf('').length), { state: 'open', untilMs })
      }
    })
  } while (cursor !== '0' && seen < SCAN_LIMIT)

  return {
    publish(account, transition) {
      const message = JSON.stringify({ from: instanceId, account, transition } satisfies Message)
      const stored =
        transition.state === 'open'
          ? publisher.set(
              keyOf(account),
              String(transition.untilMs),
              'PX',
              Math.max(transition.untilMs - now(), 1),
            )
          : publisher.del(keyOf(account))
      Promise.all([stored, publisher.publish(channel, message)]).catch(options.onError)
    },
    async close() {
      await Promise.all([closeRedis(subscriber), closeRedis(publisher)])
    },
  }
}

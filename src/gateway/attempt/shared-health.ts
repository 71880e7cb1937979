/**
 * Circuit state shared across gateway instances through Redis. When one instance opens an
 * account's circuit (a revoked key, an outage, a 429 with Retry-After) every instance stops
 * sending to that account at once, instead of each discovering it with its own failed requests;
 * when a probe closes it, every instance resumes. Open circuits are also stored in one hash
 * (`<prefix>circuits`: account → open until, expiring with the longest cool-down), so an
 * instance that starts later picks them up with one command, on a standalone Redis or a cluster.
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
import {
  connectRedis,
  connectRedisSubscriber,
  type RedisClient,
  type RedisTarget,
} from '../../ratelimit/redis-connection.ts'
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
  redis: RedisTarget
  /** Prefix of keys and the channel, so deployments (or test runs) can share one Redis. */
  keyPrefix: string
  health: () => AccountHealth
  onError: (error: unknown) => void
  now?: () => number
}

/** KEYS[1] the circuits hash; ARGV account, open until, time to live (ms): never shortens the hash's life. */
const STORE_OPEN_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ttl = tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`

/** Connects, loads the circuits other instances opened, and starts listening. */
export async function connectSharedHealth(options: SharedHealthOptions): Promise<SharedHealth> {
  const now = options.now ?? Date.now
  const instanceId = randomUUID()
  const channel = `${options.keyPrefix}health`
  const circuitsKey = `${options.keyPrefix}circuits`
  const publisher = await connectRedis(options.redis, { onError: options.onError })
  let subscriber: RedisClient
  try {
    subscriber = await connectRedisSubscriber(options.redis, { onError: options.onError })
  } catch (error) {
    publisher.disconnect()
    throw error
  }
  publisher.defineCommand('onekeyStoreOpen', { numberOfKeys: 1, lua: STORE_OPEN_SCRIPT })
  const storeOpen = (account: string, untilMs: number, ttlMs: number): Promise<number> =>
    (
      publisher as typeof publisher & {
        onekeyStoreOpen(key: string, account: string, untilMs: number, ttlMs: number): Promise<number>
      }
    ).onekeyStoreOpen(circuitsKey, account, untilMs, ttlMs)

  subscriber.on('message', (_channel: string, text: string) => {
    try {
      const message = JSON.parse(text) as Message
      if (message.from !== instanceId) options.health().applyShared(message.account, message.transition)
    } catch (error) {
      options.onError(error)
    }
  })
  await subscriber.subscribe(channel)

  // Circuits opened before this instance started (closed ones are deleted, expired ones skipped).
  const open = await publisher.hgetall(circuitsKey)
  for (const [account, until] of Object.entries(open)) {
    const untilMs = Number(until)
    if (untilMs > now()) options.health().applyShared(account, { state: 'open', untilMs })
  }

  return {
    publish(account, transition) {
      const message = JSON.stringify({ from: instanceId, account, transition } satisfies Message)
      const stored =
        transition.state === 'open'
          ? storeOpen(account, transition.untilMs, Math.max(transition.untilMs - now(), 1))
          : publisher.hdel(circuitsKey, account)
      Promise.all([stored, publisher.publish(channel, message)]).catch(options.onError)
    },
    async close() {
      await Promise.all([closeRedis(subscriber), closeRedis(publisher)])
    },
  }
}

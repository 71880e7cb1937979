/**
 * Every Redis connection the gateway opens (limits, shared circuits, prompt cache, and any
 * subscriber) is made here, from one {@link RedisTarget}: a standalone server (or a primary
 * with replicas behind one address) or a Redis Cluster reached through seed nodes.
 *
 * Both kinds answer the same commands through ioredis (`Redis` or `Cluster`), so callers do
 * not branch on the kind. What a cluster asks of them: every multi-key command and every Lua
 * script names keys of one hash slot, passed in KEYS (the `{…}` hash tags of the limiter's
 * grouped keys, see rate-limiter.ts); commands without keys (SCAN, KEYS) see one node only.
 *
 * Commands fail at once while the connection is down (no offline queue; on a cluster, after
 * about 300 ms of retries when a node is down) unless a caller asks for the queue (a
 * subscriber, whose SUBSCRIBE must survive a reconnect). Plain PUBLISH/SUBSCRIBE works on both:
 * a cluster relays every message to every node, so a subscriber connected to any node hears all.
 *
 * @module
 * @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
 */
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis'

/** Where Redis runs: one URL, or the seed nodes of a cluster (the rest are discovered). */
export type RedisTarget = { kind: 'standalone'; url: string } | { kind: 'cluster'; nodes: readonly string[] }

/** A connection to either kind: the commands the gateway uses exist on both. */
export type RedisClient = Redis | Cluster

export interface RedisConnectOptions {
  /** Queue commands while (re)connecting instead of failing them: subscribers only. */
  offlineQueue?: boolean
  /** Connection errors (a client without a listener would throw them as unhandled). */
  onError?: (error: unknown) => void
}

/** The target the configuration names, or null when Redis is not configured. */
export function redisTargetOf(config: {
  redisUrl: string | null
  redisClusterNodes: readonly string[]
}): RedisTarget | null {
  if (config.redisClusterNodes.length > 0) return { kind: 'cluster', nodes: config.redisClusterNodes }
  return config.redisUrl === null ? null : { kind: 'standalone', url: config.redisUrl }
}

/**
 * Refuses a key prefix with braces: a `{…}` in the prefix would become the hash tag of every
 * key (one slot for the whole deployment), and a lone `{` would pair with a key's own tag.
 */
export function assertKeyPrefix(prefix: string): void {
  if (/[{}]/.test(prefix)) throw new Error('redis.key_prefix cannot contain "{" or "}" (hash tags)')
}

const CONNECTION: RedisOptions = {
  lazyConnect: true,
  // One retry, then the caller's policy answers (fail closed, count locally, treat as a miss).
  maxRetriesPerRequest: 1,
  connectTimeout: 5_000,
}

/** Opens a connection (ioredis is loaded only here, only when Redis is configured). */
export async function connectRedis(
  target: RedisTarget,
  options: RedisConnectOptions = {},
): Promise<RedisClient> {
  const ioredis = await import('ioredis')
  const offlineQueue = options.offlineQueue ?? false
  const client: RedisClient =
    target.kind === 'standalone'
      ? new ioredis.Redis(target.url, { ...CONNECTION, enableOfflineQueue: offlineQueue })
      : new ioredis.Cluster([...target.nodes], clusterOptions(target.nodes, offlineQueue))
  if (options.onError !== undefined) client.on('error', options.onError)
  try {
    await client.connect()
  } catch (error) {
    client.disconnect()
    throw error
  }
  return client
}

/**
 * A second connection to the same target for SUBSCRIBE (a subscribed connection takes no other
 * commands). Its offline queue is on, so the subscription is restored after a reconnect.
 */
export function connectRedisSubscriber(
  target: RedisTarget,
  options: Omit<RedisConnectOptions, 'offlineQueue'> = {},
): Promise<RedisClient> {
  return connectRedis(target, { ...options, offlineQueue: true })
}

/**
 * Writes go to primaries and so do reads (a replica may lag behind a counter). Credentials and
 * TLS come from the first seed URL and apply to every node the cluster reports.
 */
function clusterOptions(nodes: readonly string[], offlineQueue: boolean): ClusterOptions {
  if (nodes.length === 0) throw new Error('redis.cluster_nodes: at least one seed node')
  const seed = new URL(nodes[0]!)
  const redisOptions: ClusterOptions['redisOptions'] = {
    maxRetriesPerRequest: CONNECTION.maxRetriesPerRequest,
    connectTimeout: CONNECTION.connectTimeout,
    ...(seed.username === '' ? {} : { username: decodeURIComponent(seed.username) }),
    ...(seed.password === '' ? {} : { password: decodeURIComponent(seed.password) }),
    ...(seed.protocol === 'rediss:' ? { tls: {} } : {}),
  }
  return {
    lazyConnect: true,
    scaleReads: 'master',
    enableOfflineQueue: offlineQueue,
    // A moved slot is followed at once; a node down or the cluster failing is retried for about
    // 300 ms (6 × 50 ms), then the caller's policy answers (a failover takes seconds: waiting
    // longer would only hold requests), as a standalone Redis fails at once.
    maxRedirections: 6,
    retryDelayOnFailover: 50,
    retryDelayOnClusterDown: 50,
    retryDelayOnTryAgain: 50,
    slotsRefreshTimeout: 2_000,
    redisOptions,
  }
}

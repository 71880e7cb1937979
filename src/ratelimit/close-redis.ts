import type { RedisClient } from './redis-connection.ts'

/**
 * Closes an ioredis client (standalone or cluster) without hanging: QUIT when connected
 * (bounded), else drop the connection (a QUIT queued for a Redis that is down would wait for it
 * forever).
 */
export async function closeRedis(client: RedisClient, timeoutMs = 1_000): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect()
    return
  }
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    client.quit().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs)
    }),
  ])
  clearTimeout(timer)
  client.disconnect()
}

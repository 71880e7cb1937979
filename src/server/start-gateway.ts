/**
 * The composition root: config in, a listening gateway out. `onekey serve` and the tests both
 * start the gateway through here, so what is tested is what runs.
 *
 * @module
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { createAuthenticator } from '../auth/authenticator.ts'
import type { GatewayConfig } from '../config/config.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { type AccountHealth, createAccountHealth } from '../gateway/account-health.ts'
import { createRoutePlanner } from '../gateway/route-planner.ts'
import { createApp } from '../http/app.ts'
import { chooseRequestId } from '../http/request-id.ts'
import { createLogger, describeError, type Logger } from '../logging/logger.ts'
import { createProviderRegistry } from '../providers/registry.ts'
import { createStore } from '../storage/create-store.ts'
import type { Store } from '../storage/store.ts'

export interface RunningGateway {
  /** e.g. `http://127.0.0.1:8787` */
  url: string
  port: number
  server: Server
  store: Store
  health: AccountHealth
  logger: Logger
  /** Stops accepting, lets open requests finish up to the grace period, then closes everything. */
  close(graceMs?: number): Promise<void>
}

export interface StartGatewayOptions {
  logger?: Logger
  /** Use this store instead of opening one from the config (tests share one). */
  store?: Store
}

const READY_CACHE_MS = 1_000

function rejectMalformedRequest(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy()
    return
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW'
  const body = JSON.stringify(
    tooLarge
      ? new GatewayError('request_too_large', 'Request headers are too large.', { status: 431 }).toBody()
      : new GatewayError('invalid_request', 'Malformed HTTP request.').toBody(),
  )
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${chooseRequestId(undefined)}\r\nconnection: close\r\n\r\n${body}`,
  )
}

export async function startGateway(
  config: GatewayConfig,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ level: config.log.level })
  const store = options.store ?? (await createStore(config.storage))
  if (options.store === undefined && config.storage.autoMigrate) await store.migrate()

  const registry = createProviderRegistry(config)
  const health = createAccountHealth(config.upstream)
  const planner = createRoutePlanner(config.models, registry, health)
  const authenticator = createAuthenticator({
    apiKeys: store.apiKeys,
    cacheTtlMs: config.auth.cacheTtlMs,
    cacheMaxEntries: config.auth.cacheMaxEntries,
    onBackgroundError: (error) => logger.warn('auth background task failed', describeError(error)),
  })

  let draining = false
  let readyUntilMs = 0
  const app = createApp({
    planner,
    health,
    maxAttempts: config.upstream.maxAttempts,
    authenticator,
    logger,
    bodyLimitBytes: config.server.bodyLimitBytes,
    logRequests: config.log.requests,
    catalogCreatedSeconds: Math.floor(Date.now() / 1000),
    async checkReady() {
      if (draining) throw new GatewayError('shutting_down', 'The gateway is shutting down.')
      if (performance.now() < readyUntilMs) return
      try {
        await store.ping()
      } catch (error) {
        logger.error('storage not ready', describeError(error))
        throw new GatewayError('storage_unavailable', 'Storage is not reachable.')
      }
      readyUntilMs = performance.now() + READY_CACHE_MS
    },
  })

  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 30_000 }, app.handle)
  server.on('clientError', rejectMalformedRequest)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.server.port, config.server.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host

  let closing: Promise<void> | undefined
  async function close(graceMs = config.server.shutdownGraceMs): Promise<void> {
    draining = true
    server.close()
    const deadline = performance.now() + graceMs
    while (app.inFlight > 0 && performance.now() < deadline) {
      server.closeIdleConnections()
      await sleep(20)
    }
    server.closeAllConnections()
    await authenticator
      .close()
      .catch((error: unknown) => logger.warn('flushing key use failed', describeError(error)))
    await registry.close()
    if (options.store === undefined) await store.close()
    logger.flush()
  }

  return {
    url: `http://${host}:${port}`,
    port,
    server,
    store,
    health,
    logger,
    close: (graceMs) => {
      closing ??= close(graceMs)
      return closing
    },
  }
}

/**
 * A workspace's API keys through the management API (management key required):
 *
 *   GET    /api/v1/keys           list (display prefixes only, never a key or hash)
 *   POST   /api/v1/keys           {name, expires_in_days?, lanes?, models?, management?} → the key, shown once
 *   DELETE /api/v1/keys/{id}      revoke (this instance refuses it at once, others within the auth cache TTL)
 *
 * @module
 */
import type { AuthenticatedKey, Authenticator } from '../../auth/authenticator.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { ServiceError, type WorkspaceService } from '../../services/workspace-service.ts'
import type { ApiKeyRecord, ApiKeyRepository } from '../../storage/store.ts'
import { requireManagementKey } from './management.ts'

export interface KeyRouteDependencies {
  workspaceService: WorkspaceService
  apiKeys: ApiKeyRepository
  authenticator: Authenticator
}

function publicKey(record: ApiKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    created_at: record.createdAt,
    last_used_at: record.lastUsedAt,
    expires_at: record.expiresAt,
    revoked_at: record.revokedAt,
    lanes: record.allowedLanes,
    models: record.allowedModels,
    management: record.management,
  }
}

function stringListOrUndefined(value: unknown, param: string): string[] | undefined {
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new GatewayError('invalid_parameter', `Invalid '${param}': an array of strings.`, { param })
  return value as string[]
}

export function createKeyRoutes(dependencies: KeyRouteDependencies) {
  return {
    async list(key: AuthenticatedKey): Promise<string> {
      requireManagementKey(key)
      const keys = await dependencies.apiKeys.list(key.workspaceId)
      return JSON.stringify({ object: 'list', data: keys.map(publicKey) })
    },
    async create(key: AuthenticatedKey, body: Record<string, unknown>): Promise<string> {
      requireManagementKey(key)
      const { name = 'api', expires_in_days: days, management = false } = body
      if (typeof name !== 'string')
        throw new GatewayError('invalid_parameter', "Invalid 'name'.", { param: 'name' })
      if (
        days !== undefined &&
        (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 3650)
      )
        throw new GatewayError('invalid_parameter', "Invalid 'expires_in_days': 1 to 3650.", {
          param: 'expires_in_days',
        })
      if (typeof management !== 'boolean')
        throw new GatewayError('invalid_parameter', "Invalid 'management': a boolean.", {
          param: 'management',
        })
      try {
        const created = await dependencies.workspaceService.createApiKey({
          workspace: key.workspaceId,
          name,
          expiresAt: days === undefined ? undefined : new Date(Date.now() + days * 86_400_000),
          allowedLanes: stringListOrUndefined(body.lanes, 'lanes'),
          allowedModels: stringListOrUndefined(body.models, 'models'),
          management,
        })
        return JSON.stringify({ ...publicKey(created.record), key: created.key })
      } catch (error) {
        if (error instanceof ServiceError) throw new GatewayError('invalid_request', error.message)
        throw error
      }
    },
    async revoke(key: AuthenticatedKey, id: string): Promise<string> {
      requireManagementKey(key)
      const record = await dependencies.apiKeys.find(id)
      // Another workspace's key is answered exactly like a missing one.
      if (record === undefined || record.workspaceId !== key.workspaceId)
        throw new GatewayError('not_found', `No API key \`${id}\` in this workspace.`)
      if (record.revokedAt === null) await dependencies.apiKeys.revoke(record.id, new Date().toISOString())
      dependencies.authenticator.invalidate(record.hash)
      return JSON.stringify(publicKey((await dependencies.apiKeys.find(id))!))
    },
  }
}

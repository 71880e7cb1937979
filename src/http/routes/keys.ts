/**
 * A workspace's API keys through the management API (management key required):
 *
 *   GET    /api/v1/keys           list (display prefixes only, never a key or hash)
 *   POST   /api/v1/keys           {name, expires_in_days?, lanes?, models?, management?, limits?} → the key, shown once
 *   DELETE /api/v1/keys/{id}      revoke (this instance refuses it at once, others within about a second: change notifications)
 *
 * @module
 */
import { z } from 'zod'
import type { Authenticator } from '../../auth/authenticator.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { ServiceError, type WorkspaceService } from '../../services/workspace-service.ts'
import type { ApiKeyRecord, ApiKeyRepository } from '../../storage/store.ts'
import { parseBody } from '../parse-body.ts'
import type { WorkspaceCaller } from '../workspace-caller.ts'
import type { AuditWriter } from './management.ts'

export interface KeyRouteDependencies {
  workspaceService: WorkspaceService
  apiKeys: ApiKeyRepository
  authenticator: Authenticator
  audit: AuditWriter
  /** Every limited key's budget view in a workspace (routes/budgets.ts). */
  keyBudgets?(workspaceId: string): Promise<Map<string, unknown>>
}

function publicKey(record: ApiKeyRecord, budget: unknown = null) {
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
    limits: record.limits,
    /** The key's spend limits and spending per period (routes/budgets.ts), or null: none. */
    budget,
  }
}

/** `POST /api/v1/keys`: only these fields; anything else is refused, never ignored. */
export const createKeyBody = z.strictObject({
  name: z.string().default('api').describe('a string'),
  expires_in_days: z.number().int().min(1).max(3650).optional().describe('an integer from 1 to 3650'),
  lanes: z.array(z.string()).nullish().describe('an array of lane names (strings)'),
  models: z.array(z.string()).nullish().describe('an array of model IDs (strings)'),
  management: z.boolean().default(false).describe('a boolean'),
  limits: z
    .strictObject({
      rpm: z.number().int().min(1).nullish(),
      tpm: z.number().int().min(1).nullish(),
      concurrency: z.number().int().min(1).nullish(),
    })
    .optional()
    .describe('{rpm?, tpm?, concurrency?}: positive integers, stricter than the workspace’s limits'),
})

/** A key to create, read from a `POST /api/v1/keys` body: everything but the workspace. */
export type NewKeyRequest = Omit<Parameters<WorkspaceService['createApiKey']>[0], 'workspace'>

/**
 * Validates a key-creation body (`POST /api/v1/keys`, also the admin API's
 * `POST /api/v1/admin/workspaces/{workspace}/keys`).
 * @throws GatewayError 400 naming the field
 */
export function parseNewKeyBody(body: Record<string, unknown>): NewKeyRequest {
  const { name, expires_in_days: days, lanes, models, management, limits } = parseBody(createKeyBody, body)
  return {
    name,
    expiresAt: days === undefined ? undefined : new Date(Date.now() + days * 86_400_000),
    allowedLanes: lanes ?? undefined,
    allowedModels: models ?? undefined,
    management,
    limits:
      limits === undefined
        ? undefined
        : { rpm: limits.rpm ?? null, tpm: limits.tpm ?? null, concurrency: limits.concurrency ?? null },
  }
}

/** Creates the key in `workspaceId`; the JSON answer carries the full key, shown this once. */
export async function createKeyAnswer(
  service: WorkspaceService,
  workspaceId: string,
  request: NewKeyRequest,
): Promise<string> {
  try {
    const created = await service.createApiKey({ ...request, workspace: workspaceId })
    return JSON.stringify({ ...publicKey(created.record), key: created.key })
  } catch (error) {
    if (error instanceof ServiceError) throw new GatewayError('invalid_request', error.message)
    throw error
  }
}

export function createKeyRoutes(dependencies: KeyRouteDependencies) {
  return {
    async list(key: WorkspaceCaller): Promise<string> {
      const keys = await dependencies.apiKeys.list(key.workspaceId)
      const budgets = (await dependencies.keyBudgets?.(key.workspaceId)) ?? new Map<string, unknown>()
      return JSON.stringify({
        object: 'list',
        data: keys.map((record) => publicKey(record, budgets.get(record.id) ?? null)),
      })
    },
    async create(key: WorkspaceCaller, body: Record<string, unknown>): Promise<string> {
      const answer = await createKeyAnswer(
        dependencies.workspaceService,
        key.workspaceId,
        parseNewKeyBody(body),
      )
      const created = JSON.parse(answer) as { id: string; name: string }
      await dependencies.audit(key.workspaceId, key.actor, 'key.created', `${created.id} (${created.name})`)
      return answer
    },
    async revoke(key: WorkspaceCaller, id: string): Promise<string> {
      const record = await dependencies.apiKeys.find(id)
      // Another workspace's key is answered exactly like a missing one.
      if (record === undefined || record.workspaceId !== key.workspaceId)
        throw new GatewayError('not_found', `No API key \`${id}\` in this workspace.`)
      if (record.revokedAt === null) await dependencies.apiKeys.revoke(record.id, new Date().toISOString())
      dependencies.authenticator.invalidate(record.hash)
      await dependencies.audit(key.workspaceId, key.actor, 'key.revoked', `${record.id} (${record.name})`)
      return JSON.stringify(publicKey((await dependencies.apiKeys.find(id))!))
    },
  }
}

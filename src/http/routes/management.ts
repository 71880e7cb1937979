/**
 * The management API a workspace uses for its own settings and BYOK keys, and the operator's
 * admin endpoints. Workspace endpoints take a workspace API key created with management rights
 * (`onekey key create --management`) and only ever touch that key's workspace; admin endpoints
 * take the operator's token (`ONEKEY_ADMIN_TOKEN`).
 *
 *   GET    /api/v1/workspace            settings
 *   PATCH  /api/v1/workspace            {default_lane?, deny_data_collection?}
 *   GET    /api/v1/byok                 stored BYOK keys (provider + masked hint)
 *   PUT    /api/v1/byok/{provider}      {api_key}: save or replace; answers with the hint only
 *   DELETE /api/v1/byok/{provider}
 *   POST   /api/v1/admin/reload         re-read the config file (catalog, offers, providers)
 *
 * @module
 */
import { z } from 'zod'
import type { Actor } from '../../accounts/membership-service.ts'
import type { ByokCredentialService, ByokCredentialSummary } from '../../byok/byok-credential-service.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { ServiceError } from '../../services/workspace-service.ts'
import type { WorkspaceRecord, WorkspaceRepository, WorkspaceSettings } from '../../storage/store.ts'
import { parseBody } from '../parse-body.ts'
import type { WorkspaceCaller } from '../workspace-caller.ts'

/** `PATCH /api/v1/workspace`: every field optional, nothing else accepted. */
export const workspaceSettingsBody = z.strictObject({
  default_lane: z.enum(['cheap', 'resale']).optional().describe('"cheap" or "resale"'),
  deny_data_collection: z.boolean().optional().describe('a boolean'),
  prompt_cache: z.boolean().optional().describe('a boolean'),
})

/** `PUT /api/v1/byok/{provider}`. */
export const byokBody = z.strictObject({ api_key: z.string().describe("the provider's API key as a string") })

/** Writes an audit entry for a management action (accounts/membership-service.ts). */
export type AuditWriter = (
  workspaceId: string,
  actor: Actor,
  action: string,
  target: string | null,
) => Promise<void>

export interface ManagementDependencies {
  workspaces: WorkspaceRepository
  audit: AuditWriter
  byokCredentials: ByokCredentialService
  /** Drops cached keys of a workspace so new settings apply at once on this instance. */
  invalidateWorkspace(workspaceId: string): void
  adminToken(): string | null
  /** Re-reads the configuration; resolves with a summary of what is now served. */
  reload(): Promise<{ models: number; providers: number }>
}

function toServiceFailure(error: unknown): never {
  if (error instanceof ServiceError) throw new GatewayError('invalid_request', error.message)
  throw error
}

function publicCredential(summary: ByokCredentialSummary) {
  return {
    provider: summary.provider,
    hint: summary.hint,
    created_at: summary.createdAt,
    updated_at: summary.updatedAt,
  }
}

function publicWorkspace(workspace: WorkspaceRecord, defaultLane: string) {
  return {
    id: workspace.id,
    name: workspace.name,
    created_at: workspace.createdAt,
    default_lane: workspace.defaultLane ?? defaultLane,
    deny_data_collection: workspace.denyDataCollection,
    prompt_cache: workspace.promptCache,
  }
}

export function createManagementRoutes(dependencies: ManagementDependencies, defaultLane: () => string) {
  async function workspaceOf(key: WorkspaceCaller): Promise<WorkspaceRecord> {
    const workspace = await dependencies.workspaces.find(key.workspaceId)
    if (workspace === undefined) throw new GatewayError('not_found', 'The workspace no longer exists.')
    return workspace
  }

  return {
    async getWorkspace(key: WorkspaceCaller): Promise<string> {
      return JSON.stringify(publicWorkspace(await workspaceOf(key), defaultLane()))
    },
    async updateWorkspace(key: WorkspaceCaller, rawBody: Record<string, unknown>): Promise<string> {
      const body = parseBody(workspaceSettingsBody, rawBody)
      const settings: Partial<WorkspaceSettings> = {}
      if (body.default_lane !== undefined) settings.defaultLane = body.default_lane
      if (body.deny_data_collection !== undefined) settings.denyDataCollection = body.deny_data_collection
      if (body.prompt_cache !== undefined) settings.promptCache = body.prompt_cache
      await dependencies.workspaces.updateSettings(key.workspaceId, settings)
      dependencies.invalidateWorkspace(key.workspaceId)
      await dependencies.audit(
        key.workspaceId,
        key.actor,
        'settings.changed',
        Object.keys(rawBody).join(', '),
      )
      return JSON.stringify(publicWorkspace(await workspaceOf(key), defaultLane()))
    },
    async listByok(key: WorkspaceCaller): Promise<string> {
      const credentials = await dependencies.byokCredentials.list(key.workspaceId)
      return JSON.stringify({ object: 'list', data: credentials.map(publicCredential) })
    },
    async putByok(key: WorkspaceCaller, provider: string, rawBody: Record<string, unknown>): Promise<string> {
      const body = parseBody(byokBody, rawBody)
      const saved = await dependencies.byokCredentials
        .put(key.workspaceId, provider, body.api_key)
        .catch(toServiceFailure)
      await dependencies.audit(key.workspaceId, key.actor, 'byok.stored', `${provider} (${saved.hint})`)
      return JSON.stringify(publicCredential(saved))
    },
    async deleteByok(key: WorkspaceCaller, provider: string): Promise<string> {
      if (!(await dependencies.byokCredentials.delete(key.workspaceId, provider))) {
        throw new GatewayError('not_found', `No BYOK key is stored for provider \`${provider}\`.`)
      }
      await dependencies.audit(key.workspaceId, key.actor, 'byok.deleted', provider)
      return JSON.stringify({ provider, deleted: true })
    },
    /** Re-reads the configuration (the caller was checked as the operator). */
    async reload(): Promise<string> {
      try {
        return JSON.stringify({ reloaded: true, ...(await dependencies.reload()) })
      } catch (error) {
        // A bad file keeps the running config: say what is wrong (config errors name fields, not secrets).
        if ((error as Error).name === 'ConfigError')
          throw new GatewayError('invalid_request', (error as Error).message)
        throw error
      }
    },
  }
}

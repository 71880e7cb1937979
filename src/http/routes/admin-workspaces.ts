/**
 * The operator's workspace provisioning, what `onekey workspace create|list` and `onekey key create`
 * do, for a provisioning script or the console without a shell (admin token, like
 * `POST /api/v1/admin/credits`):
 *
 *   POST /api/v1/admin/workspaces                    {name} → 201 the workspace; 409 `conflict` if the name is taken
 *   GET  /api/v1/admin/workspaces                    every workspace
 *   POST /api/v1/admin/workspaces/{id or name}/keys  {name?, expires_in_days?, lanes?, models?, management?}
 *                                                    → 201 the key, shown once (the body of `POST /api/v1/keys`)
 *
 * @module
 */
import { z } from 'zod'
import { GatewayError } from '../../errors/gateway-error.ts'
import { ServiceError, type WorkspaceService } from '../../services/workspace-service.ts'
import type { WorkspaceRecord } from '../../storage/store.ts'
import { parseBody } from '../parse-body.ts'
import { createKeyAnswer, parseNewKeyBody } from './keys.ts'

export interface AdminWorkspaceRouteDependencies {
  workspaceService: WorkspaceService
}

/** `POST /api/v1/admin/workspaces`: only `name`; anything else is refused, never ignored. */
export const createWorkspaceBody = z.strictObject({
  name: z.string().describe('a string of 1-200 letters, digits, spaces, . _ @ -'),
})

function publicWorkspace(workspace: WorkspaceRecord) {
  return { id: workspace.id, name: workspace.name, created_at: workspace.createdAt }
}

export function createAdminWorkspaceRoutes(dependencies: AdminWorkspaceRouteDependencies) {
  const service = dependencies.workspaceService

  /** The workspace with this ID or name, or undefined. */
  async function find(idOrName: string): Promise<WorkspaceRecord | undefined> {
    try {
      return await service.getWorkspace(idOrName)
    } catch (error) {
      if (error instanceof ServiceError) return undefined
      throw error
    }
  }

  function taken(name: string): GatewayError {
    return new GatewayError('conflict', `A workspace named \`${name}\` already exists.`, { param: 'name' })
  }

  return {
    async create(body: Record<string, unknown>): Promise<string> {
      const { name } = parseBody(createWorkspaceBody, body)
      if ((await find(name)) !== undefined) throw taken(name)
      try {
        return JSON.stringify(publicWorkspace(await service.createWorkspace(name)))
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error
        // Created by a concurrent call between the check and the insert: still a conflict.
        if ((await find(name)) !== undefined) throw taken(name)
        throw new GatewayError('invalid_parameter', `Invalid 'name': ${error.message}.`, { param: 'name' })
      }
    },
    async list(): Promise<string> {
      const workspaces = await service.listWorkspaces()
      return JSON.stringify({ object: 'list', data: workspaces.map(publicWorkspace) })
    },
    /** `rest` is the path after `/api/v1/admin/workspaces/`: `{id or name}/keys`. */
    async createKey(rest: string, body: Record<string, unknown>): Promise<string> {
      const match = /^([^/]+)\/keys$/u.exec(rest)
      if (match === null) {
        throw new GatewayError('route_not_found', `Invalid URL (POST /api/v1/admin/workspaces/${rest}).`)
      }
      const request = parseNewKeyBody(body)
      const idOrName = decodeSegment(match[1]!)
      const workspace = await find(idOrName)
      if (workspace === undefined) {
        throw new GatewayError('not_found', `No workspace \`${idOrName}\`.`, { param: 'workspace' })
      }
      return createKeyAnswer(service, workspace.id, request)
    },
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new GatewayError('invalid_parameter', 'The workspace in the URL is not valid percent-encoding.', {
      param: 'workspace',
    })
  }
}

/**
 * The workspace itself as the pipeline's caller: its own settings, no key restrictions and no
 * key limits. What a console session sees when it lists models, and what the playground's quote
 * uses (neither creates a key).
 *
 * @module
 */
import type { AuthenticatedKey } from '../auth/authenticator.ts'
import type { WorkspaceRecord } from '../storage/store.ts'

export function workspaceAsCaller(
  workspace: WorkspaceRecord,
  caller: { keyId: string; name: string; management: boolean },
): AuthenticatedKey {
  return {
    keyId: caller.keyId,
    workspaceId: workspace.id,
    prefix: '',
    name: caller.name,
    expiresAtMs: null,
    revoked: false,
    defaultLane: workspace.defaultLane,
    denyDataCollection: workspace.denyDataCollection,
    allowedLanes: null,
    allowedModels: null,
    management: caller.management,
    tier: workspace.tier,
    promptCache: workspace.promptCache,
    workspaceLimits: workspace.limits,
    keyLimits: { rpm: null, tpm: null, concurrency: null },
    budgetScopes: null,
  }
}

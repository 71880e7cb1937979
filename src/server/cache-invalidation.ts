/**
 * Applies the store's change notifications to this instance's caches: a key's entry, a
 * workspace's keys (settings, limits, spend limits), a BYOK credential; everything when changes
 * may have been missed. With this, `auth.cache_ttl_ms` is a safety net, not the revocation delay.
 *
 * @module
 */
import type { Authenticator } from '../auth/authenticator.ts'
import type { ByokCredentialService } from '../byok/byok-credential-service.ts'
import type { Store } from '../storage/store.ts'

/** Starts listening (resolves once this instance hears changes); returns the unsubscribe. */
export function applyChangesToCaches(
  store: Store,
  caches: { authenticator: Authenticator; byokCredentials: ByokCredentialService },
): Promise<() => void> {
  const { authenticator, byokCredentials } = caches
  return store.changes.subscribe({
    onChange(change) {
      if (change.kind === 'key') authenticator.invalidate(change.keyHash)
      else if (change.kind === 'workspace') authenticator.invalidateWorkspace(change.workspaceId)
      else if (change.kind === 'byok') byokCredentials.forget(change.workspaceId, change.provider)
    },
    onReset() {
      authenticator.clear()
      byokCredentials.forgetAll()
    },
  })
}

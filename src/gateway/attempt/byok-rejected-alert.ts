/**
 * Raises the `byok.rejected` alert when a provider refuses a workspace's stored BYOK key: once
 * per stored key (the dedupe key names the credential's last update, so replacing the key arms
 * the alert again). Off the request path: the credential is looked up in the background.
 *
 * @module
 */
import type { ByokCredentialService } from '../../byok/byok-credential-service.ts'
import type { AlertSink } from '../../contracts/alert-events.ts'

export function alertRejectedByokKey(
  alerts: AlertSink | undefined,
  credentials: ByokCredentialService,
  workspaceId: string,
  provider: string,
): void {
  if (alerts === undefined) return
  credentials.list(workspaceId).then(
    (stored) => {
      const credential = stored.find((item) => item.provider === provider)
      if (credential === undefined) return
      alerts.raise({
        workspaceId,
        kind: 'byok.rejected',
        dedupeKey: `byok.rejected:${workspaceId}:${provider}:${credential.updatedAt}`,
        summary: `The ${provider} API rejected your stored BYOK key ${credential.hint}: update it to keep using byok/${provider}/*.`,
        data: { provider, hint: credential.hint, key_updated_at: credential.updatedAt },
        at: new Date().toISOString(),
      })
    },
    () => {},
  )
}

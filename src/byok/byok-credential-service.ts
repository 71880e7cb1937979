/**
 * BYOK credentials: a workspace's own provider keys, stored encrypted, shown only as a hint,
 * decrypted only in memory for the request that uses them. Shared by the CLI and the
 * management API. Decrypted keys are cached briefly (like API keys) so a BYOK request costs no
 * database round trip when warm; a change made on this instance applies at once, one made
 * elsewhere within the cache TTL.
 *
 * @module
 */
import { ServiceError } from '../services/workspace-service.ts'
import type { ByokCredentialRecord, Store } from '../storage/store.ts'
import {
  type CredentialCipher,
  CredentialDecryptionError,
  credentialContext,
  credentialHint,
} from './credential-cipher.ts'

export interface ByokCredentialSummary {
  provider: string
  /** e.g. `sk-p…wxyz` */
  hint: string
  createdAt: string
  updatedAt: string
}

export interface ByokCredentialService {
  /** Whether a master key is configured (BYOK storage is off without one). */
  readonly enabled: boolean
  put(workspaceId: string, provider: string, apiKey: string): Promise<ByokCredentialSummary>
  list(workspaceId: string): Promise<ByokCredentialSummary[]>
  delete(workspaceId: string, provider: string): Promise<boolean>
  /** The decrypted key for a request, or undefined when the workspace stored none. */
  resolve(workspaceId: string, provider: string): Promise<string | undefined>
  /** Providers the workspace has a key for (cached like `resolve`). */
  providers(workspaceId: string): Promise<ReadonlySet<string>>
  /**
   * Fails when stored credentials were sealed with a master key that is not configured: run at
   * start-up so a wrong or missing key stops the gateway instead of failing requests later.
   */
  verifyMasterKey(): Promise<void>
  /** Re-encrypts every credential with the current master key; returns how many changed. */
  rotate(): Promise<number>
  /** Drops what is cached of a workspace's credential for a provider (it changed somewhere). */
  forget(workspaceId: string, provider: string): void
  /** Drops everything cached (changes may have been missed). */
  forgetAll(): void
}

export interface ByokCredentialServiceOptions {
  store: Store
  cipher: CredentialCipher | null
  /** Providers that accept BYOK keys, by name (read at call time: the config can be reloaded). */
  byokProviders: () => ReadonlySet<string>
  cacheTtlMs: number
  now?: () => Date
}

const MAX_KEY_LENGTH = 4096

function summary(record: ByokCredentialRecord): ByokCredentialSummary {
  return {
    provider: record.provider,
    hint: record.hint,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  }
}

export function createByokCredentialService(options: ByokCredentialServiceOptions): ByokCredentialService {
  const { store, cipher } = options
  const now = options.now ?? (() => new Date())
  const keys = new Map<string, { apiKey: string | undefined; expiresAtMs: number }>()
  const providerSets = new Map<string, { providers: ReadonlySet<string>; expiresAtMs: number }>()

  function requireCipher(): CredentialCipher {
    if (cipher === null) {
      throw new ServiceError(
        'BYOK credential storage is off: set ONEKEY_MASTER_KEY (32 bytes, hex or base64) and restart',
      )
    }
    return cipher
  }

  function requireProvider(provider: string): void {
    if (!options.byokProviders().has(provider)) {
      throw new ServiceError(
        `provider "${provider}" does not accept BYOK keys (known: ${[...options.byokProviders()].join(', ') || 'none'})`,
      )
    }
  }

  // Moves at every invalidation: a read that started before one is not cached.
  let generation = 0
  function forget(workspaceId: string, provider: string): void {
    generation++
    keys.delete(`${workspaceId}\u0000${provider}`)
    providerSets.delete(workspaceId)
  }

  return {
    enabled: cipher !== null,
    async put(workspaceId, provider, apiKey) {
      const sealer = requireCipher()
      requireProvider(provider)
      const trimmed = apiKey.trim()
      if (trimmed === '' || trimmed.length > MAX_KEY_LENGTH || /\s/.test(trimmed)) {
        throw new ServiceError('the API key must be 1-4096 characters without spaces')
      }
      const { ciphertext, keyId } = sealer.encrypt(trimmed, credentialContext(workspaceId, provider))
      const at = now().toISOString()
      const existing = await store.byokCredentials.find(workspaceId, provider)
      const record: ByokCredentialRecord = {
        workspaceId,
        provider,
        ciphertext,
        keyId,
        hint: credentialHint(trimmed),
        createdAt: existing?.createdAt ?? at,
        updatedAt: at,
      }
      await store.byokCredentials.put(record)
      forget(workspaceId, provider)
      return summary(record)
    },
    async list(workspaceId) {
      return (await store.byokCredentials.list(workspaceId)).map(summary)
    },
    async delete(workspaceId, provider) {
      const deleted = await store.byokCredentials.delete(workspaceId, provider)
      forget(workspaceId, provider)
      return deleted
    },
    async resolve(workspaceId, provider) {
      const cacheKey = `${workspaceId}\u0000${provider}`
      const currentMs = Date.now()
      const cached = keys.get(cacheKey)
      if (cached !== undefined && cached.expiresAtMs > currentMs) return cached.apiKey
      const startedAt = generation
      const record = await store.byokCredentials.find(workspaceId, provider)
      let apiKey: string | undefined
      if (record !== undefined) {
        apiKey = requireCipher().decrypt(record.ciphertext, credentialContext(workspaceId, provider))
      }
      if (startedAt === generation)
        keys.set(cacheKey, { apiKey, expiresAtMs: currentMs + options.cacheTtlMs })
      return apiKey
    },
    async providers(workspaceId) {
      const currentMs = Date.now()
      const cached = providerSets.get(workspaceId)
      if (cached !== undefined && cached.expiresAtMs > currentMs) return cached.providers
      const startedAt = generation
      const providers = new Set(
        (await store.byokCredentials.list(workspaceId)).map((record) => record.provider),
      )
      if (startedAt === generation)
        providerSets.set(workspaceId, { providers, expiresAtMs: currentMs + options.cacheTtlMs })
      return providers
    },
    async verifyMasterKey() {
      const counts = await store.byokCredentials.countByKeyId()
      const stored = [...counts.values()].reduce((sum, count) => sum + count, 0)
      if (stored === 0) return
      if (cipher === null) {
        throw new CredentialDecryptionError(
          `${stored} BYOK credential(s) are stored but no master key is configured: set ONEKEY_MASTER_KEY`,
        )
      }
      const unknown = [...counts].filter(([keyId]) => !cipher.knownKeyIds.includes(keyId))
      if (unknown.length > 0) {
        throw new CredentialDecryptionError(
          `the configured master key cannot decrypt ${unknown.map(([keyId, count]) => `${count} BYOK credential(s) sealed with key ${keyId}`).join(', ')}; ` +
            'set ONEKEY_MASTER_KEY to the key that sealed them, or list it in ONEKEY_PREVIOUS_MASTER_KEYS while rotating',
        )
      }
    },
    async rotate() {
      const sealer = requireCipher()
      let changed = 0
      for (const record of await store.byokCredentials.listNotEncryptedWith(sealer.currentKeyId)) {
        const context = credentialContext(record.workspaceId, record.provider)
        const { ciphertext, keyId } = sealer.encrypt(sealer.decrypt(record.ciphertext, context), context)
        if (
          await store.byokCredentials.replaceCiphertext({ ...record, ciphertext, keyId }, record.ciphertext)
        )
          changed++
        forget(record.workspaceId, record.provider)
      }
      return changed
    },
    forget,
    forgetAll() {
      generation++
      keys.clear()
      providerSets.clear()
    },
  }
}

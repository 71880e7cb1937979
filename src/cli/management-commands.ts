import { createByokCredentialService } from '../byok/byok-credential-service.ts'
import { createConfiguredCipher, localMasterKeyNotice } from '../byok/local-master-key.ts'
import type { GatewayConfig } from '../config/config.ts'
import { testUpstreamAccount } from '../gateway/endpoints/probe-upstream.ts'
import { createProviderRegistry } from '../providers/registry.ts'
import { createWorkspaceService, ServiceError } from '../services/workspace-service.ts'
import { createStore } from '../storage/create-store.ts'
import type { ApiKeyRecord } from '../storage/store.ts'
import { runBudgetCommand } from './budget-commands.ts'
import { type ManagementOptions, parseDuration } from './command-options.ts'
import { json, table } from './command-output.ts'
import { runMoneyCommand } from './money-commands.ts'

export { type ManagementOptions, parseDuration } from './command-options.ts'

/** `--rpm 100` → 100; `--rpm tier` → null (back to the tier's value); absent → undefined. */
function limitOption(value: string | undefined, flag: string): number | null | undefined {
  if (value === undefined) return undefined
  if (value === 'tier' || value === 'default') return null
  const number = Number(value)
  if (!Number.isSafeInteger(number) || number < 1)
    throw new ServiceError(`--${flag}: a positive integer, or "tier"`)
  return number
}

function splitList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
}

function keyRow(key: ApiKeyRecord): Record<string, string | null> {
  return {
    id: key.id,
    workspace: key.workspaceId,
    name: key.name,
    prefix: `${key.prefix}…`,
    created: key.createdAt,
    last_used: key.lastUsedAt,
    expires: key.expiresAt,
    revoked: key.revokedAt,
    lanes: key.allowedLanes?.join(',') ?? 'all',
    models: key.allowedModels?.join(',') ?? 'all',
    management: key.management ? 'yes' : 'no',
  }
}

function publicKey(key: ApiKeyRecord): Omit<ApiKeyRecord, 'hash'> {
  const { hash: _hash, ...rest } = key
  return rest
}

/** Runs a command and returns its output, or undefined for an unknown command. */
export async function runManagementCommand(
  config: GatewayConfig,
  words: string[],
  options: ManagementOptions,
): Promise<string | undefined> {
  const [noun, verb, argument] = words
  const store = await createStore(config.storage)
  try {
    if (noun === 'migrate') {
      await store.migrate()
      return options.json ? '{"migrated":true}\n' : `migrated ${config.storage.kind} storage\n`
    }
    if (config.storage.autoMigrate) await store.migrate()
    const service = createWorkspaceService(store, { signupCreditNano: config.billing.signupCreditNano })
    if (noun === 'workspace' && verb === 'create') {
      if (!argument) throw new ServiceError('usage: onekey workspace create NAME')
      const workspace = await service.createWorkspace(argument)
      return options.json ? json(workspace) : `created workspace ${workspace.id} (${workspace.name})\n`
    }
    if (noun === 'workspace' && verb === 'set') {
      const workspace = options.workspace ?? argument
      if (!workspace)
        throw new ServiceError(
          'usage: onekey workspace set WS [--default-lane cheap|resale] [--deny-data-collection|--allow-data-collection]',
        )
      if (
        options.defaultLane !== undefined &&
        options.defaultLane !== 'cheap' &&
        options.defaultLane !== 'resale'
      )
        throw new ServiceError('--default-lane: expected cheap or resale')
      if (options.denyDataCollection && options.allowDataCollection)
        throw new ServiceError('--deny-data-collection and --allow-data-collection contradict each other')
      if (options.tier !== undefined && config.limits.tiers[options.tier] === undefined)
        throw new ServiceError(
          `--tier: no tier "${options.tier}" (configured: ${Object.keys(config.limits.tiers).join(', ')})`,
        )
      const current = await service.getWorkspace(workspace)
      const limitChanges = {
        rpm: limitOption(options.rpm, 'rpm'),
        tpm: limitOption(options.tpm, 'tpm'),
        concurrency: limitOption(options.concurrency, 'concurrency'),
      }
      const changesLimits = Object.values(limitChanges).some((value) => value !== undefined)
      const updated = await service.updateSettings(workspace, {
        ...(options.tier === undefined ? {} : { tier: options.tier }),
        ...(changesLimits
          ? {
              limits: {
                rpm: limitChanges.rpm === undefined ? current.limits.rpm : limitChanges.rpm,
                tpm: limitChanges.tpm === undefined ? current.limits.tpm : limitChanges.tpm,
                concurrency:
                  limitChanges.concurrency === undefined
                    ? current.limits.concurrency
                    : limitChanges.concurrency,
              },
            }
          : {}),
        ...(options.defaultLane === undefined ? {} : { defaultLane: options.defaultLane }),
        ...(options.denyDataCollection ? { denyDataCollection: true } : {}),
        ...(options.allowDataCollection ? { denyDataCollection: false } : {}),
      })
      return options.json
        ? json(updated)
        : `workspace ${updated.id}: default lane ${updated.defaultLane ?? `${config.workspaces.defaultLane} (config default)`}, data collection ${updated.denyDataCollection ? 'denied' : 'allowed'}, tier ${updated.tier ?? `${config.limits.defaultTier} (config default)`}${updated.limits.rpm === null ? '' : `, rpm ${updated.limits.rpm}`}${updated.limits.tpm === null ? '' : `, tpm ${updated.limits.tpm}`}${updated.limits.concurrency === null ? '' : `, concurrency ${updated.limits.concurrency}`}\n`
    }
    if (noun === 'workspace' && verb === 'list') {
      const workspaces = await service.listWorkspaces()
      return options.json
        ? json(workspaces)
        : table(
            workspaces.map((workspace) => ({
              id: workspace.id,
              name: workspace.name,
              created: workspace.createdAt,
            })),
          )
    }
    if (noun === 'key' && verb === 'create') {
      const workspace = options.workspace ?? argument
      if (!workspace)
        throw new ServiceError('usage: onekey key create --workspace WS [--name NAME] [--expires-in 30d]')
      const expiresAt =
        options.expiresIn === undefined ? undefined : new Date(Date.now() + parseDuration(options.expiresIn))
      const created = await service.createApiKey({
        workspace,
        name: options.name ?? 'default',
        expiresAt,
        allowedLanes: splitList(options.lanes),
        allowedModels: splitList(options.models),
        management: options.management,
        limits: {
          rpm: limitOption(options.rpm, 'rpm') ?? null,
          tpm: limitOption(options.tpm, 'tpm') ?? null,
          concurrency: limitOption(options.concurrency, 'concurrency') ?? null,
        },
      })
      if (options.json) return json({ key: created.key, ...publicKey(created.record) })
      return (
        `created API key ${created.record.id} for workspace ${created.record.workspaceId}\n` +
        `${created.key}\n` +
        'This is the only time the key is shown: store it now.\n'
      )
    }
    if (noun === 'key' && verb === 'list') {
      const keys = await service.listApiKeys(options.workspace ?? argument)
      return options.json ? json(keys.map(publicKey)) : table(keys.map(keyRow))
    }
    if (noun === 'key' && verb === 'revoke') {
      if (!argument) throw new ServiceError('usage: onekey key revoke KEY_ID')
      const revoked = await service.revokeApiKey(argument)
      return options.json
        ? json(publicKey(revoked))
        : `revoked API key ${revoked.id} (${revoked.prefix}…); every gateway instance refuses it within about a second\n`
    }
    if (noun === 'account' && verb === 'test') {
      const [provider, account, extra] = (argument ?? '').split('/')
      if (!provider || !account || extra !== undefined)
        throw new ServiceError('usage: onekey account test PROVIDER/ACCOUNT (e.g. openai/primary)')
      const registry = createProviderRegistry(config)
      try {
        const result = await testUpstreamAccount(
          config.models,
          registry.get(provider),
          provider,
          account,
        ).catch((error: unknown) => {
          throw new ServiceError((error as Error).message)
        })
        if (!result.ok) process.exitCode = 1
        return options.json
          ? json(result)
          : `${result.ok ? 'ok' : 'failed'}: ${provider}/${account} on ${result.model}: ${result.message} ` +
              `(${result.status === null ? 'no answer' : `HTTP ${result.status}`}, ${result.latency_ms} ms)\n`
      } finally {
        await registry.close()
      }
    }
    if (noun === 'user' && (verb === 'promote' || verb === 'demote')) {
      if (!argument) throw new ServiceError(`usage: onekey user ${verb} EMAIL`)
      const email = argument.trim().toLowerCase()
      if (!(await store.accounts.setOperator(email, verb === 'promote')))
        throw new ServiceError(`no user with the email ${email} (they sign up in the console first)`)
      return options.json
        ? json({ email, operator: verb === 'promote' })
        : `${email} is ${verb === 'promote' ? 'now an operator' : 'no longer an operator'} (effective at their next request)
`
    }
    const budget = await runBudgetCommand({ config, words, options, store, service })
    if (budget !== undefined) return budget
    const money = await runMoneyCommand({ config, words, options, store, service })
    if (money !== undefined) return money
    if (noun === 'byok') {
      const byok = createByokCredentialService({
        store,
        cipher: createConfiguredCipher(config.secrets, (path) =>
          process.stderr.write(`onekey: ${localMasterKeyNotice(path)}\n`),
        ),
        byokProviders: () =>
          new Set(config.providers.filter((provider) => provider.byok).map((provider) => provider.name)),
        cacheTtlMs: 0,
      })
      const workspaceId = async () => {
        const name = options.workspace ?? argument
        if (!name)
          throw new ServiceError(`usage: onekey byok ${verb} WS${verb === 'list' ? '' : ' PROVIDER'}`)
        return (await service.getWorkspace(name)).id
      }
      const provider = options.workspace === undefined ? words[3] : argument
      if (verb === 'set') {
        if (!provider)
          throw new ServiceError(
            'usage: onekey byok set WS PROVIDER [--key-env VAR] (else the key is read from stdin)',
          )
        const id = await workspaceId()
        let apiKey: string
        if (options.keyEnv !== undefined) {
          apiKey = (options.env ?? process.env)[options.keyEnv] ?? ''
          if (apiKey === '') throw new ServiceError(`--key-env: ${options.keyEnv} is not set`)
        } else {
          if (options.readSecret === undefined)
            throw new ServiceError('pass --key-env VAR or pipe the key on stdin')
          apiKey = await options.readSecret()
        }
        const saved = await byok.put(id, provider, apiKey)
        return options.json
          ? json(saved)
          : `saved ${provider} key ${saved.hint} for workspace ${id} (encrypted)\n`
      }
      if (verb === 'list') {
        const saved = await byok.list(await workspaceId())
        return options.json
          ? json(saved)
          : table(
              saved.map((item) => ({ provider: item.provider, hint: item.hint, updated: item.updatedAt })),
            )
      }
      if (verb === 'delete') {
        if (!provider) throw new ServiceError('usage: onekey byok delete WS PROVIDER')
        const id = await workspaceId()
        if (!(await byok.delete(id, provider)))
          throw new ServiceError(`no ${provider} key stored for workspace ${id}`)
        return options.json
          ? json({ provider, deleted: true })
          : `deleted ${provider} key of workspace ${id}\n`
      }
      if (verb === 'rotate') {
        await byok.verifyMasterKey()
        const changed = await byok.rotate()
        return options.json
          ? json({ reencrypted: changed })
          : `re-encrypted ${changed} BYOK credential(s) with the current master key; the previous keys can now be removed\n`
      }
    }
    return undefined
  } finally {
    await store.close()
  }
}

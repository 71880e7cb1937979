/**
 * The CLI's management commands over the workspace service: parse words, call the service,
 * format a table or JSON.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { createBillingService } from '../billing/billing-service.ts'
import { formatNanoUsd } from '../billing/cost.ts'
import { createCreditCodes, hashCreditCode, looksLikeCreditCode } from '../billing/credit-codes.ts'
import { createByokCredentialService } from '../byok/byok-credential-service.ts'
import { createCredentialCipher } from '../byok/credential-cipher.ts'
import type { GatewayConfig } from '../config/config.ts'
import { parseUsdNano } from '../contracts/usd.ts'
import { createLogger } from '../logging/logger.ts'
import { createWorkspaceService, ServiceError } from '../services/workspace-service.ts'
import { createStore } from '../storage/create-store.ts'
import type { ApiKeyRecord } from '../storage/store.ts'

export interface ManagementOptions {
  workspace?: string | undefined
  name?: string | undefined
  expiresIn?: string | undefined
  /** Comma-separated lanes a new key may use. */
  lanes?: string | undefined
  /** Comma-separated model ID patterns a new key may use. */
  models?: string | undefined
  management?: boolean | undefined
  defaultLane?: string | undefined
  denyDataCollection?: boolean | undefined
  allowDataCollection?: boolean | undefined
  /** Name of the environment variable holding a BYOK key (else it is read from stdin). */
  keyEnv?: string | undefined
  idempotencyKey?: string | undefined
  amount?: string | undefined
  count?: string | undefined
  tier?: string | undefined
  rpm?: string | undefined
  tpm?: string | undefined
  concurrency?: string | undefined
  kind?: string | undefined
  reason?: string | undefined
  json: boolean
  /** Reads a secret from standard input (injected for tests). */
  readSecret?: () => Promise<string>
  env?: Record<string, string | undefined>
}

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

const DURATION_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `30d`, `12h`, `90m` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([mhd])$/.exec(text)
  if (!match)
    throw new ServiceError(`--expires-in: expected a number and m, h or d (e.g. 30d), got "${text}"`)
  return Number(match[1]) * DURATION_UNITS_MS[match[2]!]!
}

function table(rows: Record<string, string | null>[]): string {
  if (rows.length === 0) return '(none)\n'
  const columns = Object.keys(rows[0]!)
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => (row[column] ?? '-').length)),
  )
  const line = (cells: string[]) =>
    `${cells
      .map((cell, index) => cell.padEnd(widths[index]!))
      .join('  ')
      .trimEnd()}\n`
  return line(columns) + rows.map((row) => line(columns.map((column) => row[column] ?? '-'))).join('')
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
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`
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
        : `revoked API key ${revoked.id} (${revoked.prefix}…); every gateway instance refuses it within ${Math.ceil(config.auth.cacheTtlMs / 1000)} s\n`
    }
    if (noun === 'credits' && (verb === 'top-up' || verb === 'show')) {
      const name = options.workspace ?? argument
      if (!name)
        throw new ServiceError(
          verb === 'show'
            ? 'usage: onekey credits show WS'
            : 'usage: onekey credits top-up WS AMOUNT [--idempotency-key K] [--kind purchase|adjustment|refund] [--reason R]',
        )
      const workspace = await service.getWorkspace(name)
      if (verb === 'top-up') {
        const amountText = options.workspace === undefined ? words[3] : argument
        const kind = options.kind ?? 'purchase'
        if (kind !== 'purchase' && kind !== 'adjustment' && kind !== 'refund')
          throw new ServiceError('--kind: purchase, adjustment or refund')
        let amountNano: number
        try {
          const text = (amountText ?? '').trim()
          const negative = text.startsWith('-')
          amountNano = (negative ? -1 : 1) * parseUsdNano(negative ? text.slice(1) : text, 'AMOUNT')
        } catch (error) {
          throw new ServiceError(`${(error as Error).message} (USD, e.g. 10 or 2.50)`)
        }
        const billing = createBillingService({
          ledger: store.ledger,
          logger: createLogger({ level: 'silent' }),
          enabled: false,
          holdTtlMs: config.billing.holdTtlMs,
          sweepIntervalMs: config.billing.sweepIntervalMs,
          purchaseFeeFixedNano: config.billing.purchaseFeeFixedNano,
          purchaseFeePercentMilli: config.billing.purchaseFeePercentMilli,
          creditExpiryDays: config.billing.creditExpiryDays,
        })
        try {
          const idempotencyKey = options.idempotencyKey ?? `cli-${randomUUID()}`
          const result = await billing
            .topUp({
              workspaceId: workspace.id,
              amountNano,
              idempotencyKey,
              actor: 'operator:cli',
              reason: options.reason,
              kind,
            })
            .catch((error: unknown) => {
              throw error instanceof RangeError ? new ServiceError(error.message) : error
            })
          const balance = await store.ledger.balance(workspace.id)
          if (options.json)
            return json({
              workspace: workspace.id,
              idempotencyKey,
              ...result,
              balanceNano: balance.balanceNano,
            })
          const lines = result.entries.map(
            (entry) =>
              `  ${entry.kind.padEnd(12)} ${formatNanoUsd(entry.amountNano).padStart(14)}  ${entry.reason}`,
          )
          return (
            `${result.replayed ? 'already recorded (same idempotency key); nothing added' : `credited workspace ${workspace.id}`}\n` +
            `${lines.join('\n')}\nbalance $${formatNanoUsd(balance.balanceNano)} (idempotency key ${idempotencyKey})\n`
          )
        } finally {
          await billing.close()
        }
      }
      const balance = await store.ledger.balance(workspace.id)
      const entries = await store.ledger.list(workspace.id, { limit: 20 })
      if (options.json) return json({ workspace: workspace.id, ...balance, entries })
      return (
        `workspace ${workspace.id}: balance $${formatNanoUsd(balance.balanceNano)}, held $${formatNanoUsd(balance.heldNano)}, ` +
        `available $${formatNanoUsd(Math.max(balance.balanceNano - balance.heldNano, 0))}\n` +
        table(
          entries.map((entry) => ({
            time: entry.createdAt,
            kind: entry.kind,
            amount: formatNanoUsd(entry.amountNano),
            balance: formatNanoUsd(entry.balanceAfterNano),
            reason: entry.reason,
            actor: entry.actor,
          })),
        )
      )
    }
    if (noun === 'codes' && verb === 'create') {
      let amountNano: number
      try {
        amountNano = parseUsdNano(options.amount ?? '', '--amount')
      } catch (error) {
        throw new ServiceError(
          `${(error as Error).message} (usage: onekey codes create --amount 5 --count 10 [--expires-in 30d])`,
        )
      }
      const count = Number(options.count ?? 1)
      const expiresAt =
        options.expiresIn === undefined ? undefined : new Date(Date.now() + parseDuration(options.expiresIn))
      const created = await createCreditCodes(store.ledger, { amountNano, count, expiresAt }).catch(
        (error: unknown) => {
          throw error instanceof RangeError ? new ServiceError(error.message) : error
        },
      )
      if (options.json) return json({ ...created, amountNano, expiresAt: expiresAt?.toISOString() ?? null })
      return (
        `created ${created.codes.length} code(s) worth $${formatNanoUsd(amountNano)} each (batch ${created.batchId}` +
        `${expiresAt === undefined ? '' : `, expiring ${expiresAt.toISOString()}`}); shown once:\n${created.codes.join('\n')}\n`
      )
    }
    if (noun === 'codes' && verb === 'redeem') {
      const name = argument
      const code = words[3]
      if (!name || !code) throw new ServiceError('usage: onekey codes redeem WS CODE')
      const workspace = await service.getWorkspace(name)
      if (!looksLikeCreditCode(code)) throw new ServiceError('not a credit code (OKC-XXXX-XXXX-XXXX-XXXX)')
      const result = await store.ledger.redeemCode({
        codeHash: hashCreditCode(code),
        workspaceId: workspace.id,
        entryId: `le_${randomUUID().replaceAll('-', '')}`,
        actor: 'operator:cli',
        at: new Date().toISOString(),
        creditExpiresAt:
          config.billing.creditExpiryDays === 0
            ? null
            : new Date(Date.now() + config.billing.creditExpiryDays * 86_400_000).toISOString(),
      })
      if (!('entry' in result))
        throw new ServiceError(
          `code ${result.status === 'unknown' ? 'does not exist' : `is ${result.status}`}`,
        )
      if (options.json) return json(result)
      return `${result.status === 'replayed' ? 'already redeemed by this workspace' : 'redeemed'}: +$${formatNanoUsd(result.entry.amountNano)} for ${workspace.id}\n`
    }
    if (noun === 'ledger' && verb === 'verify') {
      // Request-log rows past retention are gone: usage entries are checked within it.
      const retention = config.log.retentionDays
      const usageSince =
        retention === 0 ? undefined : new Date(Date.now() - (retention - 1) * 86_400_000).toISOString()
      const mismatches = await store.ledger.verify({ usageSince })
      if (options.json) return json({ ok: mismatches.length === 0, mismatches })
      if (mismatches.length === 0)
        return 'ledger verified: every balance equals the sum of its entries, every held amount its open holds, every usage entry the charges on its request-log rows\n'
      throw new ServiceError(
        `ledger mismatch (${mismatches.length}):\n${mismatches
          .map((row) =>
            row.kind === 'balance'
              ? `  ${row.workspaceId}: balance ${row.balanceNano} vs ledger ${row.ledgerSumNano}; held ${row.heldNano} vs open holds ${row.openHoldsNano}; credit lots ${row.lotsRemainingNano} (nano-USD)`
              : `  ${row.workspaceId}: usage entry ${row.entryId} debited ${row.entryNano} vs ${row.rowsNano} charged on its request-log rows (nano-USD)`,
          )
          .join('\n')}`,
      )
    }
    if (noun === 'byok') {
      const byok = createByokCredentialService({
        store,
        cipher:
          config.secrets.masterKey === null
            ? null
            : createCredentialCipher(config.secrets.masterKey, config.secrets.previousMasterKeys),
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

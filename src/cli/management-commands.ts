/**
 * The CLI's management commands over the workspace service: parse words, call the service,
 * format a table or JSON.
 *
 * @module
 */
import type { GatewayConfig } from '../config/config.ts'
import { createWorkspaceService, ServiceError } from '../services/workspace-service.ts'
import { createStore } from '../storage/create-store.ts'
import type { ApiKeyRecord } from '../storage/store.ts'

export interface ManagementOptions {
  workspace?: string | undefined
  name?: string | undefined
  expiresIn?: string | undefined
  json: boolean
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
    const service = createWorkspaceService(store)
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`
    if (noun === 'workspace' && verb === 'create') {
      if (!argument) throw new ServiceError('usage: onekey workspace create NAME')
      const workspace = await service.createWorkspace(argument)
      return options.json ? json(workspace) : `created workspace ${workspace.id} (${workspace.name})\n`
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
      const created = await service.createApiKey({ workspace, name: options.name ?? 'default', expiresAt })
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
    return undefined
  } finally {
    await store.close()
  }
}

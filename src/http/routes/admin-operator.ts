/**
 * The operator's API: every workspace with its money, tier and suspension; credit codes;
 * provider accounts' health; revenue. Handlers run after the caller was checked (the admin token
 * or a signed-in operator): none of them authenticates. Amounts are exact decimal USD strings.
 *
 *   GET    /api/v1/admin/workspaces?search=           → 200 {object: 'list', tiers, default_tier, data: [workspace]}
 *                                                        workspace: {id, name, created_at, tier (null: default),
 *                                                        suspended, balance, held, available, spend_30d}
 *   PATCH  /api/v1/admin/workspaces/{id or name}      {tier?: string|null, suspended?: boolean} → 200 workspace;
 *                                                        400 `tier` not configured; 404 unknown workspace
 *   POST   /api/v1/admin/credit-codes                 {amount, count: 1-1000, expires_in_days?: 1-3650, note?}
 *                                                        → 201 {batch_id, amount, count, expires_at, codes} (shown once)
 *   GET    /api/v1/admin/credit-codes?limit=&before=  → 200 {data: [code without secret], has_more, next_before}
 *   DELETE /api/v1/admin/credit-codes/{prefix}        → 200 the revoked code; 404; 409 `conflict` (redeemed, or
 *                                                        the prefix names several unused codes); a full code or a
 *                                                        `batch_…` ID also works (a batch: every unused code)
 *   GET    /api/v1/admin/providers                    → 200 {data: [account: provider, account, lanes, circuit, stats]}
 *   GET    /api/v1/admin/revenue?days=30              → 200 {totals, data: [per UTC day]}
 *
 * Wiring: `createOperatorRoutes(dependencies: OperatorRouteDependencies)` returns
 * `listWorkspaces(query)`, `updateWorkspace(idOrName, body)`, `createCodes(body)` (answer 201),
 * `listCodes(query)`, `revokeCode(prefix)`, `providers()`, `revenue(query)`: each takes the
 * parsed query (`URLSearchParams`), body (object) or decoded path parameter and resolves with
 * the JSON answer; failures are thrown `GatewayError`s. From the server's composition root:
 * `operator: store.operator`, `ledger: store.ledger`, `workspaces: store.workspaces`,
 * `invalidateWorkspace: (id) => authenticator.invalidateWorkspace(id)`,
 * `tiers: () => ({ names: Object.keys(config.limits.tiers), defaultTier: config.limits.defaultTier })`,
 * `providers: () => routing.config.providers`, `planner: () => routing.planner`, `health`, `stats`.
 *
 * @module
 */
import { z } from 'zod'
import { formatNanoUsd } from '../../billing/cost.ts'
import type { ProviderConfig } from '../../config/provider-config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { AccountHealth } from '../../gateway/attempt/account-health.ts'
import type { OfferStats } from '../../gateway/attempt/offer-stats.ts'
import { accountKeyOf, type RoutePlanner } from '../../gateway/route/route-planner.ts'
import type { OperatorRepository, OperatorWorkspaceRow } from '../../storage/operator-repository.ts'
import type { WorkspaceRepository, WorkspaceSettings } from '../../storage/store.ts'
import { parseBody } from '../parse-body.ts'
import { type CreditCodeRouteDependencies, createCreditCodeRoutes } from './admin-credit-codes.ts'
import { createRevenueRoutes, type RevenueRouteDependencies } from './admin-revenue.ts'

/** What the operator routes need from the gateway. */
export interface OperatorRouteDependencies extends CreditCodeRouteDependencies, RevenueRouteDependencies {
  operator: OperatorRepository
  workspaces: WorkspaceRepository
  /** Drops cached keys of a workspace so a suspension or tier applies at once on this instance. */
  invalidateWorkspace(workspaceId: string): void
  /** The configured rate-limit tiers (`limits.tiers`) and the default one. */
  tiers(): { names: readonly string[]; defaultTier: string }
  /** The configured providers and their accounts (keys are never sent). */
  providers(): readonly ProviderConfig[]
  /** The current routing (after a reload too): which lanes each account serves. */
  planner(): RoutePlanner
  health: AccountHealth
  stats: OfferStats
  now?: () => Date
}

const DAY_MS = 86_400_000

/** `PATCH /api/v1/admin/workspaces/{id or name}`: only these fields; anything else is refused. */
export const updateWorkspaceBody = z.strictObject({
  tier: z
    .string()
    .min(1)
    .max(32)
    .nullable()
    .optional()
    .describe('a configured tier name, or null for the default'),
  suspended: z.boolean().optional().describe('a boolean'),
})

function publicWorkspace(row: OperatorWorkspaceRow) {
  return {
    object: 'workspace',
    id: row.id,
    name: row.name,
    created_at: row.createdAt,
    tier: row.tier,
    suspended: row.suspended,
    balance: formatNanoUsd(row.balanceNano),
    held: formatNanoUsd(row.heldNano),
    available: formatNanoUsd(Math.max(row.balanceNano - row.heldNano, 0)),
    spend_30d: formatNanoUsd(row.spendNano),
  }
}

/** Rounds a ratio or a measurement for display (these are not money). */
function rounded(value: number | undefined, digits: number): number | null {
  if (value === undefined || !Number.isFinite(value)) return null
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

/**
 * The operator's handlers (routes in the module comment); each resolves with the JSON answer.
 */
export function createOperatorRoutes(dependencies: OperatorRouteDependencies) {
  const now = dependencies.now ?? (() => new Date())
  const spendSince = () => new Date(now().getTime() - 30 * DAY_MS).toISOString()

  async function overview(id: string): Promise<OperatorWorkspaceRow> {
    const [row] = await dependencies.operator.workspaces({ spendSince: spendSince(), id })
    if (row === undefined)
      throw new GatewayError('not_found', `No workspace \`${id}\`.`, { param: 'workspace' })
    return row
  }

  return {
    ...createCreditCodeRoutes(dependencies),
    ...createRevenueRoutes(dependencies),

    /** `GET /api/v1/admin/workspaces?search=`. */
    async listWorkspaces(query: URLSearchParams): Promise<string> {
      const search = query.get('search')?.trim() ?? ''
      if (search.length > 200)
        throw new GatewayError('invalid_parameter', "Invalid 'search': at most 200 characters.", {
          param: 'search',
        })
      const rows = await dependencies.operator.workspaces({
        spendSince: spendSince(),
        search: search === '' ? undefined : search,
      })
      const tiers = dependencies.tiers()
      return JSON.stringify({
        object: 'list',
        // What a PATCH may set: `tier` is one of these, or null for the default.
        tiers: tiers.names,
        default_tier: tiers.defaultTier,
        data: rows.map(publicWorkspace),
      })
    },

    /** `PATCH /api/v1/admin/workspaces/{id or name}`. */
    async updateWorkspace(idOrName: string, body: Record<string, unknown>): Promise<string> {
      const request = parseBody(updateWorkspaceBody, body)
      const tiers = dependencies.tiers()
      if (request.tier !== undefined && request.tier !== null && !tiers.names.includes(request.tier)) {
        throw new GatewayError(
          'invalid_parameter',
          `Invalid 'tier': \`${request.tier}\` is not a configured tier (${tiers.names.join(', ')}), or null for the default (${tiers.defaultTier}).`,
          { param: 'tier' },
        )
      }
      const workspace = await dependencies.workspaces.find(idOrName)
      if (workspace === undefined)
        throw new GatewayError('not_found', `No workspace \`${idOrName}\`.`, { param: 'workspace' })
      const settings: Partial<WorkspaceSettings> = {}
      if (request.tier !== undefined) settings.tier = request.tier
      if (request.suspended !== undefined) settings.suspended = request.suspended
      await dependencies.workspaces.updateSettings(workspace.id, settings)
      // This instance refuses (or accepts again) the workspace's keys at once; others within the cache TTL.
      dependencies.invalidateWorkspace(workspace.id)
      return JSON.stringify(publicWorkspace(await overview(workspace.id)))
    },

    /**
     * `GET /api/v1/admin/providers`: every configured account with the lanes it serves, its
     * circuit and its rolling stats, as this instance has seen them.
     */
    async providers(): Promise<string> {
      const lanesOf = new Map<string, Set<string>>()
      const modelsOf = new Map<string, number>()
      for (const model of dependencies.planner().catalog.models) {
        for (const offer of model.offers) {
          for (const account of offer.accounts) {
            const key = accountKeyOf(offer.provider, account)
            const lanes = lanesOf.get(key) ?? new Set<string>()
            lanes.add(offer.lane)
            lanesOf.set(key, lanes)
            modelsOf.set(key, (modelsOf.get(key) ?? 0) + 1)
          }
        }
      }
      const circuits = new Map(dependencies.health.snapshot().map((circuit) => [circuit.account, circuit]))
      const nowMs = now().getTime()
      const data = dependencies.providers().flatMap((provider) =>
        provider.accounts.map((account) => {
          const key = accountKeyOf(provider.name, account)
          const circuit = circuits.get(key)
          const stats = dependencies.stats.get(key)
          const openUntil =
            circuit !== undefined && circuit.state === 'open' && circuit.openUntilMs > nowMs
              ? new Date(circuit.openUntilMs).toISOString()
              : null
          return {
            object: 'provider_account',
            provider: provider.name,
            kind: provider.kind,
            account: account.name,
            trust: account.trust,
            weight: account.weight,
            lanes: [...(lanesOf.get(key) ?? [])].sort(),
            offers: modelsOf.get(key) ?? 0,
            circuit: {
              state: circuit?.state ?? 'closed',
              open_until: openUntil,
              consecutive_failures: circuit?.consecutiveFailures ?? 0,
              available: dependencies.health.isAvailable(key),
            },
            stats: {
              samples: stats?.samples ?? 0,
              error_rate: stats === undefined ? null : rounded(stats.errorRate, 4),
              latency_ms: rounded(stats?.latencyMs, 0),
              tokens_per_second: rounded(stats?.tokensPerSecond, 1),
            },
          }
        }),
      )
      return JSON.stringify({ object: 'list', data })
    },
  }
}

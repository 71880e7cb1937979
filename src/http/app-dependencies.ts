/**
 * What the HTTP layer needs from the rest of the gateway (built by server/start-gateway.ts), and
 * the shape of a route handler.
 *
 * @module
 */
import type { AccountService } from '../accounts/account-service.ts'
import type { MembershipService } from '../accounts/membership-service.ts'
import type { TwoFactor } from '../accounts/two-factor.ts'
import type { AlertManagement } from '../alerts/alert-service.ts'
import type { Authenticator } from '../auth/authenticator.ts'
import type { AutoTopUp } from '../billing/auto-top-up.ts'
import type { CardPayments } from '../billing/card-payments.ts'
import type { ConsoleConfig, SiteConfig } from '../config/config-types.ts'
import type { ChatCompletionProxyDependencies } from '../gateway/endpoints/proxy-chat-completion.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import type { Logger } from '../logging/logger.ts'
import type { RequestLogWriter } from '../logging/request-log-writer.ts'
import type { GatewayMetrics } from '../metrics/metrics.ts'
import type { Tracing } from '../metrics/tracing.ts'
import type { ProviderRegistry } from '../providers/registry.ts'
import type { WorkspaceService } from '../services/workspace-service.ts'
import type { DocsFacts } from '../site/docs-slots.ts'
import type { BudgetRepository } from '../storage/budget-records.ts'
import type { ApiKeyRepository } from '../storage/store.ts'
import type { OperatorRouteDependencies } from './routes/admin-operator.ts'
import type { ManagementDependencies } from './routes/management.ts'
import type { MoneyRouteDependencies } from './routes/money.ts'

export interface AppDependencies
  extends ChatCompletionProxyDependencies,
    ManagementDependencies,
    Omit<MoneyRouteDependencies, 'workspaces'>,
    Omit<
      OperatorRouteDependencies,
      'workspaces' | 'ledger' | 'health' | 'stats' | 'planner' | 'invalidateWorkspace'
    > {
  requestLogs: RequestLogWriter
  workspaceService: WorkspaceService
  apiKeys: ApiKeyRepository
  /** Spend limits of keys and workspaces. */
  budgets: BudgetRepository
  authenticator: Authenticator
  logger: Logger
  bodyLimitBytes: number
  logRequests: boolean
  /** Readiness: resolves when the gateway can serve (storage answers, not shutting down). */
  checkReady(): Promise<void>
  /** Ready but not at full strength (e.g. limits counted per instance while Redis is down). */
  degradations(): string[]
  metrics: GatewayMetrics
  /** OpenTelemetry tracing; undefined when off (then requests carry no trace at all). */
  tracing?: Tracing | undefined
  /** Seconds since epoch reported as `created` for catalog models. */
  catalogCreatedSeconds: number
  accounts: AccountService
  memberships: MembershipService
  twoFactor: TwoFactor
  cardPayments: CardPayments
  /** Auto top-up: settings, the saved card, and charges when the balance runs low. */
  autoTopUp: AutoTopUp
  /** Alert settings, webhooks and the delivery log. */
  alerts: AlertManagement
  /** The providers now configured (after a reload too). */
  providerRegistry(): ProviderRegistry
  console: ConsoleConfig
  site: SiteConfig
  /** What the docs state about this deployment (tiers, fees, base URL, example models): src/site/docs-slots.ts. */
  docsFacts(): DocsFacts
  /** The console's build (web/dist). */
  consoleDirectory: string
}

/** Answers one request on one route and method. */
export type Handler = (context: RequestContext) => Promise<void> | void

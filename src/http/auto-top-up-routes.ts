/**
 * The auto top-up routes of the management API (the route table checks each route's action
 * before these run). Changes are written to the audit log.
 *
 *   GET    /api/v1/credits/auto-top-up        the settings, the saved card, the last attempt
 *   PUT    /api/v1/credits/auto-top-up        {enabled, threshold, amount} (USD strings)
 *   DELETE /api/v1/credits/auto-top-up/card   forget the saved card (auto top-up switches off)
 *
 * @module
 */
import type { MembershipService } from '../accounts/membership-service.ts'
import type { AutoTopUp } from '../billing/auto-top-up.ts'
import { autoTopUpBody } from '../contracts/console-api.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import type { Handler } from './app-dependencies.ts'
import { parseBody } from './parse-body.ts'
import type { PermissionedRoute } from './route-permissions.ts'
import type { WorkspaceCaller } from './workspace-caller.ts'

export interface AutoTopUpRouteDependencies {
  /** A handler for a route of the permission table, answering what `run` returns. */
  on(
    route: PermissionedRoute,
    run: (caller: WorkspaceCaller, context: RequestContext) => Promise<string>,
    status?: number,
  ): Handler
  autoTopUp: Pick<AutoTopUp, 'read' | 'update' | 'forgetCard'>
  audit: MembershipService['audit']
  body(context: RequestContext): Promise<Record<string, unknown>>
}

export function createAutoTopUpRoutes(dependencies: AutoTopUpRouteDependencies) {
  const { on, autoTopUp, audit, body } = dependencies
  return new Map<string, Map<string, Handler>>([
    [
      '/api/v1/credits/auto-top-up',
      new Map([
        [
          'GET',
          on('GET /api/v1/credits/auto-top-up', async (found) =>
            JSON.stringify(await autoTopUp.read(found.workspaceId)),
          ),
        ],
        [
          'PUT',
          on('PUT /api/v1/credits/auto-top-up', async (found, context) => {
            const input = parseBody(autoTopUpBody, await body(context))
            const answer = await autoTopUp.update(found.workspaceId, input)
            await audit(
              found.workspaceId,
              found.actor,
              'credits.auto_top_up_updated',
              answer.enabled
                ? `on: ${answer.amount} USD when below ${answer.threshold} USD`
                : `off (${answer.amount} USD when below ${answer.threshold} USD)`,
            )
            return JSON.stringify(answer)
          }),
        ],
      ]),
    ],
    [
      '/api/v1/credits/auto-top-up/card',
      new Map([
        [
          'DELETE',
          on('DELETE /api/v1/credits/auto-top-up/card', async (found) => {
            const { card, answer } = await autoTopUp.forgetCard(found.workspaceId)
            if (card !== null) await audit(found.workspaceId, found.actor, 'credits.card_removed', card)
            return JSON.stringify(answer)
          }),
        ],
      ]),
    ],
  ])
}

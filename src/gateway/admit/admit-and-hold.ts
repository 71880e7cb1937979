/**
 * Admission of a request, in order: the rate limits for `admitTokens` (prompt and output cap),
 * then the hold of its maximum cost; a refused hold hands the limits back. Both run inside the
 * trace's `admission` span. Shared by every endpoint.
 *
 * @module
 */
import type { BillingService } from '../../billing/billing-service.ts'
import type { RequestContext } from '../request-context.ts'
import { type RequestBilling, type RequestBillingInput, startRequestBilling } from './request-billing.ts'
import type { Admission, LimitGate } from './request-limits.ts'

export async function admitAndHold(
  context: RequestContext,
  dependencies: { limits: LimitGate; billing: BillingService },
  admitTokens: number,
  input: RequestBillingInput,
): Promise<{ admission: Admission; billing: RequestBilling }> {
  context.trace?.startAdmission()
  try {
    const admission = await dependencies.limits.admit(context, context.key!, admitTokens)
    try {
      const billing = await startRequestBilling(context, dependencies.billing, input)
      context.trace?.endAdmission(undefined)
      return { admission, billing }
    } catch (error) {
      admission.finish(0)
      throw error
    }
  } catch (error) {
    context.trace?.endAdmission(error)
    throw error
  }
}

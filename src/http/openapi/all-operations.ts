/**
 * Every entry of the API reference, in reading order within each tag.
 *
 * @module
 */

import type { OperationSpec } from './operation-spec.ts'
import { ACCOUNT_OPERATIONS } from './operations-account.ts'
import { GATEWAY_OPERATIONS } from './operations-gateway.ts'
import { OPERATOR_OPERATIONS } from './operations-operator.ts'
import { WORKSPACE_OPERATIONS } from './operations-workspace.ts'

export const ALL_OPERATIONS: readonly OperationSpec[] = [
  ...GATEWAY_OPERATIONS,
  ...WORKSPACE_OPERATIONS,
  ...ACCOUNT_OPERATIONS,
  ...OPERATOR_OPERATIONS,
]

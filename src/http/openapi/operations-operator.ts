/**
 * The API reference's entries for the operator's routes (`/api/v1/admin/*`): the admin token
 * (`ONEKEY_ADMIN_TOKEN`) or a console session of a user with the operator flag. Without an
 * admin token and without such a session they answer 404 (`route_not_found`).
 *
 * @module
 */

import { keyCreatedAnswer } from '../../contracts/console-answers.ts'
import { createCodesBody } from '../routes/admin-credit-codes.ts'
import { updateWorkspaceBody } from '../routes/admin-operator.ts'
import { createWorkspaceBody } from '../routes/admin-workspaces.ts'
import { createKeyBody } from '../routes/keys.ts'
import { adminCreditsBody } from '../routes/money.ts'
import type { OperationSpec } from './operation-spec.ts'
import { DAYS, OPERATOR_LOG_EXPORT, PAGED, WORKSPACE_SEARCH } from './query-parameters.ts'

const TAG = 'Operator'
const WORKSPACE = { workspace: 'The workspace’s ID or name.' }

export const OPERATOR_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'POST',
    path: '/api/v1/admin/credits',
    tag: TAG,
    summary: 'Add credits to a workspace',
    description: 'Idempotent: the same `idempotency_key` replays the first answer instead of adding twice.',
    auth: 'operator',
    body: adminCreditsBody,
    example: { workspace: 'acme', amount: '10.00', idempotency_key: 'invoice-2026-001' },
  },
  {
    method: 'GET',
    path: '/api/v1/admin/workspaces',
    tag: TAG,
    summary: 'List workspaces with balance and spend',
    auth: 'operator',
    query: WORKSPACE_SEARCH,
  },
  {
    method: 'POST',
    path: '/api/v1/admin/workspaces',
    tag: TAG,
    summary: 'Create a workspace',
    auth: 'operator',
    body: createWorkspaceBody,
    example: { name: 'acme' },
    status: 201,
  },
  {
    method: 'PATCH',
    path: '/api/v1/admin/workspaces/{workspace}',
    tag: TAG,
    summary: 'Change a workspace’s tier or suspend it',
    auth: 'operator',
    pathParameters: WORKSPACE,
    body: updateWorkspaceBody,
    example: { tier: 'pro', suspended: false },
  },
  {
    method: 'POST',
    path: '/api/v1/admin/workspaces/{workspace}/keys',
    tag: TAG,
    summary: 'Create an API key in a workspace',
    auth: 'operator',
    pathParameters: WORKSPACE,
    body: createKeyBody,
    example: { name: 'first key', management: true },
    status: 201,
    answer: keyCreatedAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/admin/credit-codes',
    tag: TAG,
    summary: 'List credit codes (never the codes)',
    auth: 'operator',
    query: PAGED,
  },
  {
    method: 'POST',
    path: '/api/v1/admin/credit-codes',
    tag: TAG,
    summary: 'Create credit codes',
    description: 'The codes are in this answer only.',
    auth: 'operator',
    body: createCodesBody,
    example: { amount: '5.00', count: 10, expires_in_days: 90 },
    status: 201,
  },
  {
    method: 'DELETE',
    path: '/api/v1/admin/credit-codes/{code}',
    tag: TAG,
    summary: 'Revoke a credit code',
    auth: 'operator',
    pathParameters: { code: 'The code, or its prefix as lists show it.' },
  },
  {
    method: 'GET',
    path: '/api/v1/admin/providers',
    tag: TAG,
    summary: 'Providers, accounts and their health',
    auth: 'operator',
  },
  {
    method: 'POST',
    path: '/api/v1/admin/providers/{provider}/{account}/test',
    tag: TAG,
    summary: 'Test one upstream account',
    description: 'One tiny request through that account.',
    auth: 'operator',
    pathParameters: { provider: 'The provider’s name.', account: 'The account’s name.' },
  },
  {
    method: 'GET',
    path: '/api/v1/admin/revenue',
    tag: TAG,
    summary: 'Revenue, cost and margin by day',
    auth: 'operator',
    query: DAYS,
  },
  {
    method: 'GET',
    path: '/api/v1/admin/logs/export',
    tag: TAG,
    summary: 'Export request logs of every workspace or one',
    auth: 'operator',
    query: OPERATOR_LOG_EXPORT,
    content: [
      { mediaType: 'text/csv', description: 'CSV, one row per request.' },
      { mediaType: 'application/x-ndjson', description: 'One JSON object per line.' },
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/admin/reload',
    tag: TAG,
    summary: 'Reload the configuration',
    auth: 'operator',
  },
]

/**
 * The API reference's entries for the workspace routes of the management API (`/api/v1/*`):
 * bodies are the zod objects the routes parse with, answers the console's contracts
 * (contracts/console-answers.ts). Who may call each comes from http/route-permissions.ts.
 *
 * @module
 */

import {
  budgetAnswer,
  keyCreatedAnswer,
  keysAnswer,
  overviewAnswer,
  workspaceAnswer,
} from '../../contracts/console-answers.ts'
import { keyBudgetBody, workspaceBudgetBody } from '../../contracts/console-api.ts'
import { playgroundBody } from '../playground-routes.ts'
import { createKeyBody } from '../routes/keys.ts'
import { byokBody, workspaceSettingsBody } from '../routes/management.ts'
import { byokCredential, byokDeleted, byokList, keyRevoked } from './acknowledgements.ts'
import { modelList, quoteAnswer } from './gateway-answers.ts'
import type { OperationSpec } from './operation-spec.ts'
import { MEMBER_OPERATIONS } from './operations-members.ts'
import { MONEY_OPERATIONS } from './operations-money.ts'

const PROVIDER = { provider: 'The provider’s name in the catalog, e.g. `openai`.' }
const KEY_ID = { id: 'The API key’s ID.' }

/** Workspace settings, BYOK, keys and budgets. */
const SETTINGS: readonly OperationSpec[] = [
  {
    method: 'GET',
    path: '/api/v1/workspace',
    tag: 'Workspace',
    summary: 'Get the workspace',
    auth: 'workspace',
    answer: workspaceAnswer,
  },
  {
    method: 'PATCH',
    path: '/api/v1/workspace',
    tag: 'Workspace',
    summary: 'Change the workspace’s settings',
    auth: 'workspace',
    body: workspaceSettingsBody,
    example: { default_lane: 'resale', deny_data_collection: true },
    answer: workspaceAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/models',
    tag: 'Workspace',
    summary: 'List the workspace’s models',
    description: 'As `GET /v1/models`; a console session sees every model of every lane.',
    auth: 'workspace',
    answer: modelList,
  },
  {
    method: 'GET',
    path: '/api/v1/overview',
    tag: 'Workspace',
    summary: 'Balance, spend and requests of the last 30 days',
    auth: 'workspace',
    answer: overviewAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/key',
    tag: 'Workspace',
    summary: 'What the calling key may still spend',
    description: 'Any API key of the workspace, about itself (OpenRouter’s fields, and OneKey’s per period).',
    auth: 'apiKey',
    answerDescription: '`{ data: { label, usage, limit, limit_remaining, … } }`',
  },
  {
    method: 'GET',
    path: '/api/v1/byok',
    tag: 'Workspace',
    summary: 'List the stored BYOK keys (never the keys themselves)',
    auth: 'workspace',
    answer: byokList,
  },
  {
    method: 'PUT',
    path: '/api/v1/byok/{provider}',
    tag: 'Workspace',
    summary: 'Store a BYOK key for a provider',
    description: 'Encrypted at rest; used by `byok/<provider>/<model>` requests. Never shown again.',
    auth: 'workspace',
    pathParameters: PROVIDER,
    body: byokBody,
    example: { api_key: 'sk-your-provider-key' },
    answer: byokCredential,
  },
  {
    method: 'DELETE',
    path: '/api/v1/byok/{provider}',
    tag: 'Workspace',
    summary: 'Delete a stored BYOK key',
    auth: 'workspace',
    pathParameters: PROVIDER,
    answer: byokDeleted,
  },
  {
    method: 'POST',
    path: '/api/v1/byok/{provider}/test',
    tag: 'Workspace',
    summary: 'Test a stored BYOK key',
    description: 'One tiny request through the stored key; the provider bills you for it.',
    auth: 'workspace',
    pathParameters: PROVIDER,
  },
  {
    method: 'GET',
    path: '/api/v1/workspace/budget',
    tag: 'Workspace',
    summary: 'The workspace’s monthly spend limit',
    auth: 'workspace',
    answer: budgetAnswer,
  },
  {
    method: 'PUT',
    path: '/api/v1/workspace/budget',
    tag: 'Workspace',
    summary: 'Set the workspace’s monthly spend limit',
    auth: 'workspace',
    body: workspaceBudgetBody,
    example: { month: '100.00' },
    answer: budgetAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/keys',
    tag: 'API keys',
    summary: 'List API keys',
    auth: 'workspace',
    answer: keysAnswer,
  },
  {
    method: 'POST',
    path: '/api/v1/keys',
    tag: 'API keys',
    summary: 'Create an API key',
    description: 'The key itself is in this answer only.',
    auth: 'workspace',
    body: createKeyBody,
    example: { name: 'ci', lanes: ['cheap'], expires_in_days: 90 },
    status: 201,
    answer: keyCreatedAnswer,
  },
  {
    method: 'DELETE',
    path: '/api/v1/keys/{id}',
    tag: 'API keys',
    summary: 'Revoke an API key',
    auth: 'workspace',
    pathParameters: KEY_ID,
    answer: keyRevoked,
  },
  {
    method: 'PUT',
    path: '/api/v1/keys/{id}/budget',
    tag: 'API keys',
    summary: 'Set a key’s spend limits',
    auth: 'workspace',
    pathParameters: KEY_ID,
    body: keyBudgetBody,
    example: { day: '5.00', month: '50.00' },
    answer: budgetAnswer,
  },
]

const playgroundExample = { model: 'cheap/gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] }

/** The console playground: billed to the workspace like any request. */
const PLAYGROUND: readonly OperationSpec[] = [
  {
    method: 'POST',
    path: '/api/v1/playground/chat/completions',
    tag: 'Workspace',
    summary: 'Playground: chat, streamed',
    description:
      'The chat pipeline under the workspace’s playground key; always streamed, with `usage.cost` in the last chunk and the lane, provider and attempts in `x-onekey-*` headers. Off (404) with `site.pages.playground: false`.',
    auth: 'member',
    body: playgroundBody,
    exampleModel: 'text',
    example: playgroundExample,
    content: [
      { mediaType: 'text/event-stream', description: 'Chat completion chunks, ending with `data: [DONE]`.' },
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/playground/quote',
    tag: 'Workspace',
    summary: 'Playground: quote every lane',
    auth: 'member',
    body: playgroundBody,
    exampleModel: 'text',
    example: playgroundExample,
    answer: quoteAnswer,
  },
]

/** Every workspace route of the management API. */
export const WORKSPACE_OPERATIONS: readonly OperationSpec[] = [
  ...SETTINGS,
  ...PLAYGROUND,
  ...MONEY_OPERATIONS,
  ...MEMBER_OPERATIONS,
]

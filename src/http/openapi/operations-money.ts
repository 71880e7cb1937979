/**
 * The API reference's entries for the workspace's money and usage routes (`/api/v1/credits*`,
 * ledger, logs, generations, activity): bodies are the zod objects the routes parse with,
 * answers the console's contracts (contracts/console-answers.ts).
 *
 * @module
 */

import {
  autoTopUpAnswer,
  checkoutPreviewAnswer,
  creditsAnswer,
  purchasesAnswer,
} from '../../contracts/console-answers.ts'
import { autoTopUpBody, checkoutBody } from '../../contracts/console-api.ts'
import { redeemBody } from '../routes/money.ts'
import type { OperationSpec } from './operation-spec.ts'
import { ACTIVITY, CHECKOUT_PREVIEW, GENERATION, LOG_EXPORT, LOGS, PAGED } from './query-parameters.ts'
import { generationAnswer, ledgerAnswer, logsAnswer, redeemAnswer } from './usage-answers.ts'

const CSV = { mediaType: 'text/csv', description: 'CSV, one row per entry.' }

/** Credits, payments, logs and activity. */
export const MONEY_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'GET',
    path: '/api/v1/credits',
    tag: 'Credits and billing',
    summary: 'Balance, held and available credits',
    auth: 'workspace',
    answer: creditsAnswer,
  },
  {
    method: 'POST',
    path: '/api/v1/credits/redeem',
    tag: 'Credits and billing',
    summary: 'Redeem a credit code',
    auth: 'workspace',
    body: redeemBody,
    example: { code: 'OKC-ABCD-EFGH-JKLM-NPQR' },
    answer: redeemAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/credits/checkout-preview',
    tag: 'Credits and billing',
    summary: 'Preview a card purchase and its fee',
    auth: 'workspace',
    query: CHECKOUT_PREVIEW,
    answer: checkoutPreviewAnswer,
  },
  {
    method: 'POST',
    path: '/api/v1/credits/checkout',
    tag: 'Credits and billing',
    summary: 'Start a card checkout',
    description: 'Answers the checkout page’s URL; the credits arrive when the payment does.',
    auth: 'workspace',
    body: checkoutBody,
    example: { amount: '20.00' },
    status: 201,
  },
  {
    method: 'GET',
    path: '/api/v1/credits/purchases',
    tag: 'Credits and billing',
    summary: 'List card purchases',
    auth: 'workspace',
    query: PAGED,
    answer: purchasesAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/credits/auto-top-up',
    tag: 'Credits and billing',
    summary: 'Auto top-up settings and the saved card',
    auth: 'workspace',
    answer: autoTopUpAnswer,
  },
  {
    method: 'PUT',
    path: '/api/v1/credits/auto-top-up',
    tag: 'Credits and billing',
    summary: 'Change auto top-up',
    auth: 'workspace',
    body: autoTopUpBody,
    example: { enabled: true, threshold: '5.00', amount: '20.00' },
    answer: autoTopUpAnswer,
  },
  {
    method: 'DELETE',
    path: '/api/v1/credits/auto-top-up/card',
    tag: 'Credits and billing',
    summary: 'Forget the saved card',
    auth: 'workspace',
    answer: autoTopUpAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/ledger',
    tag: 'Credits and billing',
    summary: 'The credit ledger',
    auth: 'workspace',
    query: PAGED,
    answer: ledgerAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/logs',
    tag: 'Usage and logs',
    summary: 'Request logs',
    auth: 'workspace',
    query: LOGS,
    answer: logsAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/logs/export',
    tag: 'Usage and logs',
    summary: 'Export request logs',
    description: 'Streamed as CSV or NDJSON; any other parameter is refused.',
    auth: 'workspace',
    query: LOG_EXPORT,
    content: [CSV, { mediaType: 'application/x-ndjson', description: 'One JSON object per line.' }],
  },
  {
    method: 'GET',
    path: '/api/v1/generation',
    tag: 'Usage and logs',
    summary: 'One generation’s tokens and cost',
    description:
      'Any API key of the workspace may look up its generations; a console session needs `logs.read`.',
    auth: 'apiKeyOrSession',
    query: GENERATION,
    answer: generationAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/activity',
    tag: 'Usage and logs',
    summary: 'Spend and requests grouped by day',
    auth: 'workspace',
    query: ACTIVITY,
  },
  {
    method: 'GET',
    path: '/api/v1/activity.csv',
    tag: 'Usage and logs',
    summary: 'Activity as CSV',
    auth: 'workspace',
    query: ACTIVITY,
    content: [CSV],
  },
]

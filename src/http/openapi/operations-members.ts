/**
 * The API reference's entries for members, the audit log and alerts (`/api/v1/members*`,
 * `/api/v1/audit`, `/api/v1/alerts/*`), with the bodies and answers of contracts/console-api.ts
 * and contracts/console-answers.ts.
 *
 * @module
 */

import {
  alertDeliveriesAnswer,
  alertSettingsAnswer,
  alertTestAnswer,
  alertWebhookCreatedAnswer,
  alertWebhooksAnswer,
  auditAnswer,
  inviteSummary,
  memberSummary,
  membersAnswer,
} from '../../contracts/console-answers.ts'
import {
  alertSettingsBody,
  alertWebhookBody,
  inviteBody,
  roleBody,
  transferBody,
} from '../../contracts/console-api.ts'
import { inviteRevoked, memberRemoved, webhookDeleted } from './acknowledgements.ts'
import type { OperationSpec } from './operation-spec.ts'
import { PAGED } from './query-parameters.ts'

const WEBHOOK_ID = { id: 'The webhook’s ID.' }

/** Members, audit and alerts. */
export const MEMBER_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'GET',
    path: '/api/v1/members',
    tag: 'Members',
    summary: 'Members and open invitations',
    auth: 'workspace',
    answer: membersAnswer,
  },
  {
    method: 'POST',
    path: '/api/v1/members/invites',
    tag: 'Members',
    summary: 'Invite a member',
    description: 'Admins are invited by the owner only.',
    auth: 'workspace',
    body: inviteBody,
    example: { email: 'dev@example.com', role: 'developer' },
    status: 201,
    answer: inviteSummary,
  },
  {
    method: 'DELETE',
    path: '/api/v1/members/invites/{id}',
    tag: 'Members',
    summary: 'Revoke an invitation',
    auth: 'workspace',
    pathParameters: { id: 'The invitation’s ID.' },
    answer: inviteRevoked,
  },
  {
    method: 'PATCH',
    path: '/api/v1/members/{user_id}',
    tag: 'Members',
    summary: 'Change a member’s role',
    auth: 'workspace',
    pathParameters: { user_id: 'The member’s user ID.' },
    body: roleBody,
    example: { role: 'viewer' },
    answer: memberSummary,
  },
  {
    method: 'DELETE',
    path: '/api/v1/members/{user_id}',
    tag: 'Members',
    summary: 'Remove a member (yourself: leave)',
    description: 'Anyone may remove themselves; removing another member needs `members.write`.',
    auth: 'workspace',
    pathParameters: { user_id: 'The member’s user ID.' },
    answer: memberRemoved,
  },
  {
    method: 'POST',
    path: '/api/v1/members/transfer-ownership',
    tag: 'Members',
    summary: 'Transfer ownership',
    auth: 'workspace',
    body: transferBody,
    example: { user_id: 'usr_123' },
    answer: membersAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/audit',
    tag: 'Members',
    summary: 'The audit log',
    auth: 'workspace',
    query: PAGED,
    answer: auditAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/alerts/settings',
    tag: 'Alerts',
    summary: 'Alert settings',
    auth: 'workspace',
    answer: alertSettingsAnswer,
  },
  {
    method: 'PUT',
    path: '/api/v1/alerts/settings',
    tag: 'Alerts',
    summary: 'Change alert settings',
    auth: 'workspace',
    body: alertSettingsBody,
    example: { balance_below: '5.00', email: true },
    answer: alertSettingsAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/alerts/webhooks',
    tag: 'Alerts',
    summary: 'List alert webhooks',
    auth: 'workspace',
    answer: alertWebhooksAnswer,
  },
  {
    method: 'POST',
    path: '/api/v1/alerts/webhooks',
    tag: 'Alerts',
    summary: 'Add an alert webhook',
    description: 'The signing secret is in this answer only.',
    auth: 'workspace',
    body: alertWebhookBody,
    example: { url: 'https://hooks.example.com/onekey' },
    status: 201,
    answer: alertWebhookCreatedAnswer,
  },
  {
    method: 'DELETE',
    path: '/api/v1/alerts/webhooks/{id}',
    tag: 'Alerts',
    summary: 'Remove an alert webhook',
    auth: 'workspace',
    pathParameters: WEBHOOK_ID,
    answer: webhookDeleted,
  },
  {
    method: 'POST',
    path: '/api/v1/alerts/webhooks/{id}/test',
    tag: 'Alerts',
    summary: 'Send a test alert to one webhook',
    auth: 'workspace',
    pathParameters: WEBHOOK_ID,
    answer: alertTestAnswer,
  },
  {
    method: 'GET',
    path: '/api/v1/alerts/deliveries',
    tag: 'Alerts',
    summary: 'The alert delivery log',
    auth: 'workspace',
    query: PAGED,
    answer: alertDeliveriesAnswer,
  },
]

import { formatUtc } from '../../format/dates.ts'
import { Button } from '../../ui/button.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import type { OlderPagesProps } from '../../ui/older-pages.tsx'
import { PagedTable } from '../../ui/paged-table.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import type { AlertDeliverySummary, AlertWebhookSummary } from './alerts-queries.ts'

interface WebhooksViewProps {
  webhooks: AlertWebhookSummary[] | undefined
  isPending: boolean
  error: unknown
  onRetry: () => void
  canWrite: boolean
  testing: string | null
  onTest: (webhook: AlertWebhookSummary) => void
  onDelete: (webhook: AlertWebhookSummary) => void
}

export function WebhooksView({
  webhooks,
  isPending,
  error,
  onRetry,
  canWrite,
  testing,
  onTest,
  onDelete,
}: WebhooksViewProps) {
  if (error) return <ErrorMessage error={error} onRetry={onRetry} />
  if (isPending || webhooks === undefined) return <Skeleton lines={2} />
  if (webhooks.length === 0) {
    return (
      <EmptyState title="No webhooks yet">
        {canWrite
          ? 'Add one to receive alerts as signed JSON requests.'
          : 'An owner, admin or billing member can add one.'}
      </EmptyState>
    )
  }
  return (
    <TableWrap label="Webhooks">
      <table>
        <caption className="visually-hidden">Webhooks</caption>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Alerts</th>
            <th scope="col">Added (UTC)</th>
            <th scope="col">Status</th>
            {canWrite ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {webhooks.map((webhook) => (
            <tr key={webhook.id}>
              <th scope="row" className="mono break url-cell">
                {webhook.url}
              </th>
              <td>{webhook.events === null ? 'all' : webhook.events.join(', ')}</td>
              <td className="nowrap">{formatUtc(webhook.created_at)}</td>
              <td>
                {webhook.disabled ? (
                  <span className="badge badge-error">disabled</span>
                ) : (
                  <span className="badge badge-ok">active</span>
                )}
              </td>
              {canWrite ? (
                <td>
                  <div className="row-actions">
                    <Button
                      size="small"
                      onClick={() => onTest(webhook)}
                      pending={testing === webhook.id}
                      aria-label={`Send a test alert to ${webhook.url}`}
                    >
                      Send test
                    </Button>
                    <Button
                      size="small"
                      variant="danger"
                      onClick={() => onDelete(webhook)}
                      aria-label={`Delete webhook ${webhook.url}`}
                    >
                      Delete
                    </Button>
                  </div>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  )
}

const STATUS_BADGE: Readonly<Record<AlertDeliverySummary['status'], string>> = {
  pending: 'badge',
  delivered: 'badge badge-ok',
  failed: 'badge badge-error',
}

interface DeliveriesViewProps extends OlderPagesProps {
  deliveries: AlertDeliverySummary[] | undefined
  isPending: boolean
  onRetry: () => void
}

/** Every alert sent by email or webhook, newest first: status, attempts, the last error, the next try. */
export function DeliveriesView({ deliveries, ...list }: DeliveriesViewProps) {
  return (
    <PagedTable
      {...list}
      items={deliveries}
      skeletonLines={4}
      empty={
        <EmptyState title="No alerts sent yet">
          Alerts and test sends appear here with their delivery.
        </EmptyState>
      }
      label="Delivery log"
    >
      {(deliveries) => (
        <table>
          <caption className="visually-hidden">Alert deliveries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Alert</th>
              <th scope="col">Sent to</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Last error</th>
              <th scope="col">Next attempt</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((delivery) => (
              <tr key={delivery.id}>
                <th scope="row" className="nowrap">
                  {formatUtc(delivery.created_at)}
                </th>
                <td className="wide-cell">
                  <code>{delivery.event}</code>
                  <span className="cell-note">{delivery.summary}</span>
                </td>
                <td className="wide-cell">
                  {delivery.channel === 'email' ? 'Email' : 'Webhook'}
                  <span className="cell-note mono break">{delivery.target}</span>
                </td>
                <td>
                  <span className={STATUS_BADGE[delivery.status]}>{delivery.status}</span>
                </td>
                <td className="num">{delivery.attempts}</td>
                <td>
                  <LastError delivery={delivery} />
                </td>
                <td className="nowrap">
                  {delivery.next_attempt_at ? formatUtc(delivery.next_attempt_at) : '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </PagedTable>
  )
}

/** The receiver's failing HTTP status and the reason, or a dash when the last try did not fail. */
function LastError({ delivery }: { delivery: AlertDeliverySummary }) {
  const status = delivery.last_status
  const badStatus = status !== null && (status < 200 || status >= 300) ? status : null
  if (badStatus === null && delivery.last_error === null) return '–'
  return (
    <>
      {badStatus !== null ? <span>HTTP {badStatus}</span> : null}
      {delivery.last_error ? <span className="cell-note">{delivery.last_error}</span> : null}
    </>
  )
}

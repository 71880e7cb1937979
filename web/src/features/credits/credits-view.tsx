import { formatUtc } from '../../format/dates.ts'
import { isZero } from '../../format/money.ts'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Money } from '../../ui/money.tsx'
import type { OlderPagesProps } from '../../ui/older-pages.tsx'
import { PagedTable } from '../../ui/paged-table.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { isWebUrl, purchaseStatus } from './credits-checkout.ts'
import type { CreditsAnswer, LedgerEntry, Purchase } from './credits-queries.ts'

interface BalanceViewProps {
  data: CreditsAnswer | undefined
  isPending: boolean
  error: unknown
  onRetry: () => void
}

export function BalanceView({ data, isPending, error, onRetry }: BalanceViewProps) {
  return (
    <section className="section" aria-labelledby="balance-heading">
      <h2 id="balance-heading">Balance</h2>
      {error ? (
        <ErrorMessage error={error} onRetry={onRetry} />
      ) : isPending || data === undefined ? (
        <Skeleton lines={2} />
      ) : (
        <dl className="stats">
          <div className="stat">
            <dt>Balance</dt>
            <dd>
              <Money amount={data.balance} />
            </dd>
          </div>
          <div className="stat">
            <dt>Held for running requests</dt>
            <dd>
              <Money amount={data.held} />
            </dd>
          </div>
          <div className="stat">
            <dt>Available</dt>
            <dd>
              <Money amount={data.available} />
            </dd>
          </div>
        </dl>
      )}
    </section>
  )
}

interface LedgerViewProps extends OlderPagesProps {
  entries: LedgerEntry[] | undefined
  isPending: boolean
  onRetry: () => void
}

export function LedgerView({ entries, ...list }: LedgerViewProps) {
  return (
    <PagedTable
      {...list}
      items={entries}
      skeletonLines={6}
      empty={<EmptyState title="No credit movements yet" />}
      label="Ledger"
    >
      {(entries) => (
        <table>
          <caption className="visually-hidden">Ledger entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Kind</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col" className="num">
                Balance after
              </th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <th scope="row">{formatUtc(entry.created_at)}</th>
                <td>{entry.kind}</td>
                <td className="num">
                  <Money amount={entry.amount} precision="cost" />
                </td>
                <td className="num">
                  <Money amount={entry.balance_after} />
                </td>
                <td>{entry.reason ?? (entry.request_id ? `request ${entry.request_id}` : '–')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </PagedTable>
  )
}

interface ReceiptsViewProps extends OlderPagesProps {
  purchases: Purchase[] | undefined
  isPending: boolean
  onRetry: () => void
}

/** Card purchases, newest first, with Stripe's receipt when there is one. */
export function ReceiptsView({ purchases, ...list }: ReceiptsViewProps) {
  return (
    <PagedTable
      {...list}
      items={purchases}
      skeletonLines={3}
      empty={<EmptyState title="No purchases yet" />}
      label="Receipts"
    >
      {(purchases) => (
        <table>
          <caption className="visually-hidden">Card purchases, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Date (UTC)</th>
              <th scope="col" className="num">
                Credits
              </th>
              <th scope="col" className="num">
                Fee
              </th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Refunded
              </th>
              <th scope="col">Receipt</th>
            </tr>
          </thead>
          <tbody>
            {purchases.map((purchase) => {
              const status = purchaseStatus(purchase.status)
              return (
                <tr key={purchase.id}>
                  <th scope="row">{formatUtc(purchase.created_at)}</th>
                  <td className="num">
                    <Money amount={purchase.amount} precision="cost" />
                  </td>
                  <td className="num">
                    <Money amount={purchase.fee} precision="cost" />
                  </td>
                  <td className="num">
                    <Money amount={purchase.total} precision="cost" />
                  </td>
                  <td>
                    <span className={status.badge}>{status.label}</span>
                    {purchase.disputed ? (
                      <>
                        {' '}
                        <span className="badge badge-error">Disputed</span>
                      </>
                    ) : null}
                  </td>
                  <td className="num">
                    {isZero(purchase.refunded) ? '–' : <Money amount={purchase.refunded} precision="cost" />}
                  </td>
                  <td>
                    {purchase.receipt_url && isWebUrl(purchase.receipt_url) ? (
                      <a href={purchase.receipt_url} target="_blank" rel="noopener noreferrer">
                        Receipt
                      </a>
                    ) : (
                      '–'
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </PagedTable>
  )
}

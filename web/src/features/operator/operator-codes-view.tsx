import { useId } from 'react'
import { formatDateTime } from '../../format/dates.ts'
import { Button } from '../../ui/button.tsx'
import { CopyButton } from '../../ui/copy-button.tsx'
import { Dialog } from '../../ui/dialog.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Money } from '../../ui/money.tsx'
import { OlderPages, type OlderPagesProps } from '../../ui/older-pages.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import { type CodeStatus, codeStatus } from './operator-forms.ts'
import type { CodeBatch, CreditCode } from './operator-queries.ts'

const STATUS_BADGE: Record<CodeStatus, string> = {
  unused: 'badge badge-ok',
  redeemed: 'badge',
  revoked: 'badge badge-error',
  expired: 'badge badge-error',
}

interface CodesListProps extends OlderPagesProps {
  codes: CreditCode[] | undefined
  isPending: boolean
  onRetry: () => void
  onRevoke: (code: CreditCode) => void
}

/** Codes newest first, by prefix (the full code is never listed); unused ones can be revoked. */
export function CodesList({
  codes,
  isPending,
  error,
  onRetry,
  hasMore,
  loadingMore,
  onOlder,
  onRevoke,
}: CodesListProps) {
  const rowId = useId()
  if (error && codes === undefined) return <ErrorMessage error={error} onRetry={onRetry} />
  if (isPending || codes === undefined) return <Skeleton lines={6} label="Loading credit codes…" />
  if (codes.length === 0) return <EmptyState title="No credit codes yet">Create a batch above.</EmptyState>
  return (
    <>
      <TableWrap label="Credit codes">
        <table>
          <caption className="visually-hidden">Credit codes, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Batch</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {codes.map((code) => {
              const status = codeStatus(code)
              const nameId = `${rowId}-${code.batch_id}-${code.prefix}`
              return (
                <tr key={`${code.batch_id}|${code.prefix}|${code.created_at}`}>
                  <th scope="row" className="mono" id={nameId}>
                    {code.prefix}…
                  </th>
                  <td className="num">
                    <Money amount={code.amount} />
                  </td>
                  <td className="mono small">{code.batch_id}</td>
                  <td>{formatDateTime(code.created_at)}</td>
                  <td>{code.expires_at ? formatDateTime(code.expires_at) : 'never'}</td>
                  <td>
                    <span className={STATUS_BADGE[status]}>{status}</span>
                    {status === 'redeemed' ? (
                      <div className="small muted">
                        by <span className="mono">{code.redeemed_by}</span> {formatDateTime(code.redeemed_at)}
                      </div>
                    ) : null}
                    {status === 'revoked' ? (
                      <div className="small muted">{formatDateTime(code.revoked_at)}</div>
                    ) : null}
                  </td>
                  <td>
                    {status === 'unused' ? (
                      <Button
                        size="small"
                        variant="danger"
                        onClick={() => onRevoke(code)}
                        aria-describedby={nameId}
                      >
                        Revoke
                      </Button>
                    ) : null}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </TableWrap>
      <OlderPages error={error} hasMore={hasMore} loadingMore={loadingMore} onOlder={onOlder} />
    </>
  )
}

/** The codes of a new batch, in full, once: they are stored as hashes and cannot be shown again. */
export function ShowCodesDialog({ batch, onClose }: { batch: CodeBatch | null; onClose: () => void }) {
  const listId = useId()
  const all = batch?.codes.join('\n') ?? ''
  return (
    <Dialog
      open={batch !== null}
      title="Your new credit codes"
      onClose={onClose}
      footer={
        <Button variant="primary" onClick={onClose}>
          I have copied the codes
        </Button>
      }
    >
      <div className="alert alert-warning">
        <p>
          <strong>Copy these codes now.</strong> They are shown only once: we store hashes, so they cannot be
          shown again.
        </p>
      </div>
      {batch ? (
        <p>
          {batch.count} {batch.count === 1 ? 'code' : 'codes'} worth <Money amount={batch.amount} /> each,
          batch <code>{batch.batch_id}</code>
          {batch.expires_at ? `, valid until ${formatDateTime(batch.expires_at)}` : ', never expiring'}
          {batch.note ? ` (${batch.note})` : ''}.
        </p>
      ) : null}
      <label htmlFor={listId}>Codes, one per line</label>
      <div className="copy-row">
        <textarea
          id={listId}
          className="mono secret"
          readOnly
          rows={Math.min(Math.max(batch?.codes.length ?? 1, 2), 12)}
          value={all}
          onFocus={(event) => event.currentTarget.select()}
        />
        <CopyButton text={all} label={batch?.count === 1 ? 'Copy code' : 'Copy codes'} />
      </div>
    </Dialog>
  )
}

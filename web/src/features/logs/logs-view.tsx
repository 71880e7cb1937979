import { Link } from '@tanstack/react-router'
import { type FormEvent, useId } from 'react'
import { formatDateTime } from '../../format/dates.ts'
import { formatCount, formatDuration } from '../../format/numbers.ts'
import { LANES, type LogsSearch } from '../../search-schemas.ts'
import { Button } from '../../ui/button.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Money } from '../../ui/money.tsx'
import type { OlderPagesProps } from '../../ui/older-pages.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import type { LogRow } from './logs-queries.ts'

interface LogsViewProps extends OlderPagesProps {
  search: LogsSearch
  onSearch: (next: LogsSearch) => void
  rows: LogRow[] | undefined
  isPending: boolean
  onRetry: () => void
}

export function LogsView(props: LogsViewProps) {
  const { search, onSearch, rows, isPending, error, onRetry, hasMore, loadingMore, onOlder } = props
  const modelId = useId()
  const laneId = useId()
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const model = String(data.get('model') ?? '').trim()
    const lane = String(data.get('lane') ?? '')
    onSearch({
      model: model === '' ? undefined : model,
      lane: (LANES as readonly string[]).includes(lane) ? (lane as LogsSearch['lane']) : undefined,
    })
  }
  return (
    <>
      <form
        className="filters"
        aria-label="Log filters"
        onSubmit={submit}
        key={`${search.model}|${search.lane}`}
      >
        <div className="field">
          <label htmlFor={modelId}>Model</label>
          <input
            id={modelId}
            name="model"
            defaultValue={search.model ?? ''}
            placeholder="e.g. cheap/llama-3"
          />
        </div>
        <div className="field">
          <label htmlFor={laneId}>Lane</label>
          <select id={laneId} name="lane" defaultValue={search.lane ?? ''}>
            <option value="">All lanes</option>
            {LANES.map((lane) => (
              <option key={lane} value={lane}>
                {lane}
              </option>
            ))}
          </select>
        </div>
        <Button type="submit">Apply filters</Button>
        {search.model || search.lane ? (
          <Button variant="ghost" onClick={() => onSearch({ model: undefined, lane: undefined })}>
            Clear filters
          </Button>
        ) : null}
      </form>
      {error && rows === undefined ? (
        <ErrorMessage error={error} onRetry={onRetry} />
      ) : isPending || rows === undefined ? (
        <Skeleton lines={10} />
      ) : rows.length === 0 ? (
        <EmptyState title="No requests found">
          {search.model || search.lane
            ? 'No request matches these filters.'
            : 'Requests made with your API keys show up here (metadata only, never prompts or answers).'}
        </EmptyState>
      ) : (
        <>
          <TableWrap label="Request log">
            <table className="dense">
              <caption className="visually-hidden">Requests, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Key</th>
                  <th scope="col">Model</th>
                  <th scope="col">Lane</th>
                  <th scope="col">Provider</th>
                  <th scope="col" className="num">
                    Tokens (prompt / completion)
                  </th>
                  <th scope="col" className="num">
                    Cost
                  </th>
                  <th scope="col" className="num">
                    Latency
                  </th>
                  <th scope="col" className="num">
                    First byte
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Finish reason</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id}>
                    <th scope="row">
                      <Link to="/logs/$id" params={{ id: row.id }} title={`Details of ${row.id}`}>
                        {formatDateTime(row.created_at)}
                      </Link>
                    </th>
                    <td className="mono">{row.key_id ?? '–'}</td>
                    <td className="mono">{row.model}</td>
                    <td>{row.lane ?? '–'}</td>
                    <td>{row.provider ?? '–'}</td>
                    <td className="num">
                      {formatCount(row.prompt_tokens)} / {formatCount(row.completion_tokens)}
                    </td>
                    <td className="num">
                      <Money amount={row.cost} precision="cost" />
                    </td>
                    <td className="num">{formatDuration(row.latency_ms)}</td>
                    <td className="num">{formatDuration(row.first_byte_ms)}</td>
                    <td>
                      <span className={row.status >= 400 ? 'badge badge-error' : 'badge'}>{row.status}</span>
                      {row.error_code ? <span className="muted small"> {row.error_code}</span> : null}
                    </td>
                    <td>{row.finish_reason ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {error ? <ErrorMessage error={error} /> : null}
          {hasMore ? (
            <Button onClick={onOlder} pending={loadingMore}>
              Older
            </Button>
          ) : (
            <p className="muted small">No older requests.</p>
          )}
        </>
      )}
    </>
  )
}

import { useId, useState } from 'react'
import type { LogsSearch } from '../../search-schemas.ts'
import {
  defaultExportRange,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportRange,
  exportRangeProblem,
  logsExportUrl,
} from './logs-queries.ts'

const FORMAT_LABELS: Record<ExportFormat, string> = { csv: 'CSV', ndjson: 'NDJSON' }

/**
 * Export of the request log over a range of UTC days, with the page's model and lane filters:
 * a plain download link, streamed by the server (exact decimal costs, one row per request).
 */
export function LogsExport({ search }: { search: LogsSearch }) {
  const [range, setRange] = useState<ExportRange>(() => defaultExportRange(new Date()))
  const fromId = useId()
  const toId = useId()
  const formatId = useId()
  const problemId = useId()
  const problem = exportRangeProblem(range)
  const filtered = [search.model && `model ${search.model}`, search.lane && `lane ${search.lane}`]
    .filter(Boolean)
    .join(', ')
  return (
    <details className="log-export">
      <summary>Export CSV or NDJSON</summary>
      <form className="filters" aria-label="Export the log" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor={fromId}>From (UTC)</label>
          <input
            id={fromId}
            type="date"
            value={range.from}
            aria-describedby={problem ? problemId : undefined}
            onChange={(event) => setRange({ ...range, from: event.currentTarget.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={toId}>To (UTC, included)</label>
          <input
            id={toId}
            type="date"
            value={range.to}
            aria-describedby={problem ? problemId : undefined}
            onChange={(event) => setRange({ ...range, to: event.currentTarget.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={formatId}>Format</label>
          <select
            id={formatId}
            value={range.format}
            onChange={(event) => setRange({ ...range, format: event.currentTarget.value as ExportFormat })}
          >
            {EXPORT_FORMATS.map((format) => (
              <option key={format} value={format}>
                {FORMAT_LABELS[format]}
              </option>
            ))}
          </select>
        </div>
        {problem === null ? (
          <a className="button button-secondary" href={logsExportUrl(search, range)} download>
            Export {FORMAT_LABELS[range.format]}
            {filtered ? <span className="visually-hidden"> ({filtered})</span> : null}
          </a>
        ) : (
          <p id={problemId} className="field-error" role="alert">
            {problem}
          </p>
        )}
      </form>
    </details>
  )
}

import { useQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { ApiError } from '../../api/api-client.ts'
import { formatCount } from '../../format/numbers.ts'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Money } from '../../ui/money.tsx'
import { generationQuery } from '../logs/logs-queries.ts'
import type { AnswerState, AnswerUsage } from './playground-answer.ts'

/** One answer being streamed or done, and where it was from. */
export interface PlaygroundAnswer {
  /** The `model` sent. */
  model: string
  state: AnswerState
  /** A refusal before anything streamed (402, 429, 400…). */
  error: unknown
}

interface AnswerViewProps {
  answer: PlaygroundAnswer
  /** The member may open the request in Logs. */
  canReadLogs: boolean
  /** A heading for the answer's column (compare). */
  title?: string
}

/** The answer's text as it arrives, then its lane, provider, attempts, tokens and cost. */
export function AnswerView({ answer, canReadLogs, title }: AnswerViewProps) {
  const { state } = answer
  const running = state.status === 'waiting' || state.status === 'streaming'
  return (
    <article className="playground-answer" aria-label={title ?? `Answer from ${answer.model}`}>
      <header className="playground-answer-header">
        {title ? <h3>{title}</h3> : null}
        <span className="mono small">{answer.model}</span>
      </header>
      {/* Read once the answer is complete (aria-busy), not word by word. */}
      <div className="playground-answer-text" aria-live="polite" aria-busy={running}>
        {state.text === '' && state.status === 'waiting' && answer.error === null ? (
          <p className="muted">Waiting for the first token…</p>
        ) : (
          <p>
            {state.text}
            {running ? <span className="playground-caret" aria-hidden="true" /> : null}
          </p>
        )}
      </div>
      {answer.error !== null ? <ErrorMessage error={answer.error} /> : null}
      {state.status === 'failed' && state.error !== null ? (
        <div className="alert alert-error" role="alert">
          <p>{state.error}</p>
        </div>
      ) : null}
      {state.status === 'stopped' ? (
        <p className="muted small" role="status">
          Stopped. What was generated is charged.
        </p>
      ) : null}
      <AnswerFooter answer={answer} canReadLogs={canReadLogs} />
    </article>
  )
}

function AnswerFooter({ answer, canReadLogs }: { answer: PlaygroundAnswer; canReadLogs: boolean }) {
  const { meta, usage, status } = answer.state
  // Cut short (stopped, or the stream broke): no usage chunk came; the request log has the charge.
  const fromLog = usage === null && (status === 'stopped' || status === 'failed') && canReadLogs
  const logged = useLoggedUsage(meta?.generationId ?? null, fromLog)
  if (meta === null) return null
  const shown = usage ?? logged
  const generationId = meta.generationId
  return (
    <footer className="playground-answer-footer">
      <dl className="playground-facts">
        <div>
          <dt>Lane</dt>
          <dd>{meta.lane ?? '–'}</dd>
        </div>
        <div>
          <dt>Provider</dt>
          <dd>
            {meta.provider ?? '–'}
            {meta.cache === 'hit' ? <span className="badge"> cached</span> : null}
          </dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{formatCount(meta.attempts)}</dd>
        </div>
        <div>
          <dt>Tokens in / out</dt>
          <dd>
            {shown === null
              ? '–'
              : `${formatCount(shown.promptTokens)} / ${formatCount(shown.completionTokens)}`}
          </dd>
        </div>
        <div>
          <dt>{usage === null && logged !== null ? 'Charged' : 'Cost'}</dt>
          <dd>
            {shown?.cost != null ? (
              <Money amount={shown.cost} precision="cost" />
            ) : status === 'waiting' || status === 'streaming' || fromLog ? (
              '…'
            ) : (
              '–'
            )}
          </dd>
        </div>
      </dl>
      {canReadLogs && generationId !== null && status !== 'waiting' && status !== 'streaming' ? (
        <Link to="/logs/$id" params={{ id: generationId }} className="small">
          Request details
        </Link>
      ) : null}
    </footer>
  )
}

/**
 * The tokens and charge of a request from its log row, which is written (with its charge) just
 * after the answer ends: asked for again for a few seconds while it is not there yet.
 */
function useLoggedUsage(generationId: string | null, enabled: boolean): AnswerUsage | null {
  const row = useQuery({
    ...generationQuery(generationId ?? ''),
    enabled: enabled && generationId !== null,
    retry: (failures, error) => failures < 10 && error instanceof ApiError && error.status === 404,
    retryDelay: 500,
  })
  if (row.data === undefined) return null
  return {
    promptTokens: row.data.prompt_tokens ?? 0,
    completionTokens: row.data.completion_tokens ?? 0,
    cost: row.data.charged,
  }
}

/**
 * The playground: chat with any model the workspace may use, streamed, each answer with its
 * lane, provider, attempts, tokens and cost; or compare lanes: the same prompt's quote in the
 * cheap and resale lanes, then both answers side by side. Requests are billed to the workspace
 * like any other, under its "Console playground" key.
 *
 * @module
 */
import { useQuery } from '@tanstack/react-query'
import { type FormEvent, type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react'
import { bootData } from '../../api/boot-data.ts'
import { useCan, useSession } from '../../session/use-session.ts'
import { Button } from '../../ui/button.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { PageHeader } from '../../ui/page-header.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { AnswerView } from './playground-answer-view.tsx'
import { chatModelChoices, compareTargets, groupChoices, type ModelChoice } from './playground-models.ts'
import { playgroundModelsQuery } from './playground-queries.ts'
import { QuotePanel } from './playground-quote.tsx'
import { type PlaygroundSettings, type Turn, usePlayground } from './use-playground.ts'
import './playground.css'

export function PlaygroundPage() {
  const session = useSession()
  const canUse = useCan('playground.use')
  const canReadLogs = useCan('logs.read')
  if (!bootData().playground) {
    return (
      <>
        <PageHeader title="Playground" />
        <EmptyState title="The playground is turned off">
          This deployment does not offer the console playground. Call the API with a key instead.
        </EmptyState>
      </>
    )
  }
  if (!canUse) {
    return (
      <>
        <PageHeader title="Playground" />
        <EmptyState title="Your role cannot use the playground">
          Playground requests are billed to the workspace: owners, admins and developers may send them.
        </EmptyState>
      </>
    )
  }
  return (
    <Workbench
      csrfToken={session.csrf_token}
      workspaceName={session.workspace?.name ?? 'this workspace'}
      canReadLogs={canReadLogs}
    />
  )
}

interface WorkbenchProps {
  csrfToken: string
  workspaceName: string
  canReadLogs: boolean
}

const DEFAULT_MAX_TOKENS = '1024'

function Workbench({ csrfToken, workspaceName, canReadLogs }: WorkbenchProps) {
  const models = useQuery(playgroundModelsQuery())
  const choices = useMemo(() => chatModelChoices(models.data?.data ?? []), [models.data])
  const playground = usePlayground(csrfToken)
  const [picked, setPicked] = useState<string>()
  const [mode, setMode] = useState<'chat' | 'compare'>('chat')
  const [draft, setDraft] = useState('')
  const [system, setSystem] = useState('')
  const [maxTokens, setMaxTokens] = useState(DEFAULT_MAX_TOKENS)
  const [draftError, setDraftError] = useState<string>()
  const [maxTokensError, setMaxTokensError] = useState<string>()
  const ids = { model: useId(), prompt: useId(), system: useId(), maxTokens: useId(), mode: useId() }
  const composer = useRef<HTMLFormElement>(null)
  // A new turn or quote pushes the message box down: keep it in view.
  const shown = playground.turns.length + (playground.pending === null ? 0 : 1)
  useEffect(() => {
    if (shown > 0) composer.current?.scrollIntoView({ block: 'nearest' })
  }, [shown])

  const model = choices.find((choice) => choice.id === picked)?.id ?? choices[0]?.id ?? ''
  const targets = compareTargets(choices, model)
  const comparing = mode === 'compare' && targets !== null

  function settings(): PlaygroundSettings | undefined {
    const text = maxTokens.trim()
    if (text === '') return { system, maxTokens: undefined }
    if (!/^\d{1,7}$/.test(text) || Number(text) < 1) {
      setMaxTokensError('Enter a whole number of tokens from 1, or leave it empty.')
      return undefined
    }
    setMaxTokensError(undefined)
    return { system, maxTokens: Number(text) }
  }

  function submit(event?: FormEvent<HTMLFormElement>) {
    event?.preventDefault()
    if (playground.running) return
    const prompt = draft.trim()
    if (prompt === '') {
      setDraftError('Type a message first.')
      return
    }
    setDraftError(undefined)
    const chosen = settings()
    if (chosen === undefined || model === '') return
    if (comparing) playground.quote(targets, prompt, chosen)
    else playground.send(model, prompt, chosen)
    setDraft('')
  }

  function onPromptKey(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      submit()
    }
  }

  if (models.error) return <ErrorMessage error={models.error} onRetry={() => void models.refetch()} />
  if (models.isPending) {
    return (
      <>
        <PageHeader title="Playground" />
        <Skeleton lines={6} />
      </>
    )
  }
  if (choices.length === 0) {
    return (
      <>
        <PageHeader title="Playground" />
        <EmptyState title="No chat model is available to this workspace">
          The operator's catalog offers none in the lanes this workspace may use.
        </EmptyState>
      </>
    )
  }

  return (
    <>
      <PageHeader title="Playground">
        <Button variant="ghost" onClick={playground.clear} disabled={playground.turns.length === 0}>
          Clear conversation
        </Button>
      </PageHeader>
      <p className="muted">
        Requests from here are billed to {workspaceName} like any API request, under its key “Console
        playground”: limits, spend limits and the request log apply.
      </p>

      <section className="section playground-controls" aria-label="Model and options">
        <div className="field">
          <label htmlFor={ids.model}>Model</label>
          <select id={ids.model} value={model} onChange={(event) => setPicked(event.target.value)}>
            {groupChoices(choices).map((group) => (
              <optgroup key={group.label} label={group.label}>
                {group.choices.map((choice: ModelChoice) => (
                  <option key={choice.id} value={choice.id}>
                    {choice.label}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        <fieldset className="fieldset playground-mode" aria-describedby={`${ids.mode}-hint`}>
          <legend>Mode</legend>
          <div className="playground-radios">
            <label>
              <input type="radio" name="mode" checked={!comparing} onChange={() => setMode('chat')} /> Chat
            </label>
            <label>
              <input
                type="radio"
                name="mode"
                checked={comparing}
                disabled={targets === null}
                onChange={() => setMode('compare')}
              />{' '}
              Compare lanes
            </label>
          </div>
          <p className="field-hint" id={`${ids.mode}-hint`}>
            {targets === null
              ? 'Compare needs a model offered in both the cheap and the resale lane.'
              : `Compare sends one prompt to ${targets.cheap} and ${targets.resale}, after their quotes.`}
          </p>
        </fieldset>
        <details className="disclosure playground-options">
          <summary>Options</summary>
          <div className="stack">
            <div className="field">
              <label htmlFor={ids.system}>System prompt</label>
              <textarea
                id={ids.system}
                rows={2}
                value={system}
                onChange={(event) => setSystem(event.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={ids.maxTokens}>Max output tokens</label>
              <input
                id={ids.maxTokens}
                inputMode="numeric"
                className="amount-input"
                value={maxTokens}
                onChange={(event) => setMaxTokens(event.target.value)}
                aria-invalid={maxTokensError ? true : undefined}
                aria-describedby={`${ids.maxTokens}-hint`}
              />
              <p className="field-hint" id={`${ids.maxTokens}-hint`}>
                {maxTokensError ?? 'Caps each answer, and so the amount held while it runs.'}
              </p>
            </div>
          </div>
        </details>
      </section>

      <section className="playground-transcript" aria-labelledby="playground-conversation">
        <h2 id="playground-conversation" className="visually-hidden">
          Conversation
        </h2>
        {playground.turns.length === 0 && playground.pending === null ? (
          <EmptyState title="Nothing sent yet">Type a message below and send it.</EmptyState>
        ) : null}
        {playground.turns.map((turn) => (
          <TurnView key={turn.id} turn={turn} canReadLogs={canReadLogs} />
        ))}
      </section>

      {playground.pending !== null ? (
        <QuotePanel
          pending={playground.pending}
          onConfirm={() => {
            const chosen = settings()
            if (chosen !== undefined) playground.confirmCompare(chosen)
          }}
          onCancel={playground.cancelCompare}
        />
      ) : null}

      <form ref={composer} className="section playground-composer" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={ids.prompt}>Message</label>
          <textarea
            id={ids.prompt}
            rows={3}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={onPromptKey}
            aria-invalid={draftError ? true : undefined}
            aria-describedby={`${ids.prompt}-hint`}
          />
          <p className={draftError ? 'field-error' : 'field-hint'} id={`${ids.prompt}-hint`}>
            {draftError ?? 'Ctrl+Enter (⌘+Enter) sends.'}
          </p>
        </div>
        <div className="button-row">
          {playground.running ? (
            <Button variant="danger" onClick={playground.stop}>
              Stop
            </Button>
          ) : (
            <Button type="submit" variant="primary">
              {comparing ? 'Get both quotes' : 'Send'}
            </Button>
          )}
        </div>
      </form>
    </>
  )
}

function TurnView({ turn, canReadLogs }: { turn: Turn; canReadLogs: boolean }) {
  return (
    <div className="playground-turn">
      <div className="playground-prompt">
        <span className="playground-role">You</span>
        <p>{turn.prompt}</p>
      </div>
      {turn.kind === 'chat' ? (
        <AnswerView answer={turn.answers[0]!} canReadLogs={canReadLogs} />
      ) : (
        <div className="playground-columns">
          {turn.answers.map((answer, index) => (
            <AnswerView
              key={answer.model}
              answer={answer}
              canReadLogs={canReadLogs}
              title={index === 0 ? 'Cheap lane' : 'Resale lane'}
            />
          ))}
        </div>
      )}
    </div>
  )
}

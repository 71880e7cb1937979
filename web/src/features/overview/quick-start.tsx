import { Link } from '@tanstack/react-router'
import { useId, useState } from 'react'
import { CopyButton } from '../../ui/copy-button.tsx'
import { Tabs } from '../../ui/tabs.tsx'
import { curlSnippet, type LaneExample, pythonSnippet, typescriptSnippet } from './quick-start-snippets.ts'

interface QuickStartProps {
  baseUrl: string
  examples: readonly LaneExample[]
  modelsLoading: boolean
}

const LANE_LABELS = { cheap: 'Cheap lane', resale: 'Resale lane', byok: 'BYOK lane (your provider key)' }

export function QuickStart({ baseUrl, examples, modelsLoading }: QuickStartProps) {
  const [lane, setLane] = useState<LaneExample['lane']>('cheap')
  const selectId = useId()
  const model = examples.find((example) => example.lane === lane)?.model ?? `${lane}/<model>`
  const snippets = [
    { id: 'curl', label: 'curl', code: curlSnippet(baseUrl, model) },
    { id: 'python', label: 'Python', code: pythonSnippet(baseUrl, model) },
    { id: 'typescript', label: 'TypeScript', code: typescriptSnippet(baseUrl, model) },
  ]
  return (
    <section aria-labelledby="quick-start-heading" className="section">
      <h2 id="quick-start-heading">Quick start</h2>
      <p>
        OneKey speaks the OpenAI API. Point any OpenAI client at this base URL and use an API key from{' '}
        <Link to="/keys">Keys</Link>, exported as <code>ONEKEY_API_KEY</code>.
      </p>
      <div className="copy-row">
        <code className="code-inline">{baseUrl}</code>
        <CopyButton text={baseUrl} label="Copy base URL" />
      </div>
      <div className="field inline-field">
        <label htmlFor={selectId}>Model for the examples</label>
        <select
          id={selectId}
          value={lane}
          onChange={(event) => setLane(event.target.value as LaneExample['lane'])}
        >
          {examples.map((example) => (
            <option key={example.lane} value={example.lane}>
              {LANE_LABELS[example.lane]}: {example.model}
            </option>
          ))}
        </select>
        {modelsLoading ? <span className="muted small">Loading models…</span> : null}
      </div>
      <Tabs
        label="Code examples"
        tabs={snippets.map((snippet) => ({
          id: snippet.id,
          label: snippet.label,
          content: (
            <div className="snippet">
              {/* Focusable so keyboard users can scroll a long line. */}
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable */}
              <pre tabIndex={0}>
                <code>{snippet.code}</code>
              </pre>
              <CopyButton text={snippet.code} label={`Copy ${snippet.label} example`} />
            </div>
          ),
        }))}
      />
    </section>
  )
}

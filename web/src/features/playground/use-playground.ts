/**
 * The playground's conversation: turns of one prompt and its answer (or, to compare lanes, two
 * answers side by side), the streams in flight and how to stop them, and the compare waiting on
 * its quote. Chat turns carry the conversation so far; a compare sends its prompt alone.
 *
 * @module
 */
import { useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useRef, useState } from 'react'
import { type AnswerState, applyData, finish, WAITING } from './playground-answer.ts'
import type { PlaygroundAnswer } from './playground-answer-view.tsx'
import {
  fetchQuote,
  type PlaygroundBody,
  type PlaygroundMessage,
  streamAnswer,
} from './playground-queries.ts'
import type { PendingCompare } from './playground-quote.tsx'

export interface Turn {
  id: number
  kind: 'chat' | 'compare'
  prompt: string
  answers: PlaygroundAnswer[]
}

export interface PlaygroundSettings {
  system: string
  maxTokens: number | undefined
}

function isAbort(error: unknown): boolean {
  return (error as Error | null)?.name === 'AbortError'
}

export function usePlayground(csrfToken: string) {
  const queryClient = useQueryClient()
  const [turns, setTurns] = useState<Turn[]>([])
  const [pending, setPending] = useState<PendingCompare | null>(null)
  const [running, setRunning] = useState(0)
  const controllers = useRef(new Set<AbortController>())
  const nextId = useRef(1)
  const quoteController = useRef<AbortController | null>(null)

  // Leaving the page stops what is still streaming.
  useEffect(() => {
    const open = controllers.current
    return () => {
      for (const controller of open) controller.abort()
      quoteController.current?.abort()
    }
  }, [])

  const update = useCallback(
    (turnId: number, index: number, change: (answer: PlaygroundAnswer) => PlaygroundAnswer) => {
      setTurns((all) =>
        all.map((turn) =>
          turn.id !== turnId
            ? turn
            : {
                ...turn,
                answers: turn.answers.map((answer, at) => (at === index ? change(answer) : answer)),
              },
        ),
      )
    },
    [],
  )

  const run = useCallback(
    async (turnId: number, index: number, body: PlaygroundBody) => {
      const controller = new AbortController()
      controllers.current.add(controller)
      setRunning((count) => count + 1)
      const setState = (change: (state: AnswerState) => AnswerState) =>
        update(turnId, index, (answer) => ({ ...answer, state: change(answer.state) }))
      try {
        await streamAnswer(
          body,
          csrfToken,
          controller.signal,
          (meta) => setState((state) => ({ ...state, meta })),
          (data) => setState((state) => applyData(state, data)),
        )
        setState((state) => finish(state, 'ended'))
      } catch (error) {
        if (isAbort(error)) setState((state) => finish(state, 'stopped'))
        else
          update(turnId, index, (answer) =>
            answer.state.meta === null
              ? { ...answer, error, state: { ...answer.state, status: 'failed' } }
              : { ...answer, state: finish(answer.state, 'ended') },
          )
      } finally {
        controllers.current.delete(controller)
        setRunning((count) => count - 1)
        // The balance, spend and logs moved; a first request also created the playground key.
        for (const key of ['overview', 'credits', 'logs', 'activity', 'keys'])
          void queryClient.invalidateQueries({ queryKey: [key] })
      }
    },
    [csrfToken, queryClient, update],
  )

  /** The conversation so far as messages: the chat turns' prompts and the answers they got. */
  const history = useCallback(
    (settings: PlaygroundSettings): PlaygroundMessage[] => {
      const messages: PlaygroundMessage[] = []
      if (settings.system.trim() !== '') messages.push({ role: 'system', content: settings.system })
      for (const turn of turns) {
        if (turn.kind !== 'chat') continue
        const answer = turn.answers[0]
        if (answer === undefined || answer.state.text === '') continue
        messages.push(
          { role: 'user', content: turn.prompt },
          { role: 'assistant', content: answer.state.text },
        )
      }
      return messages
    },
    [turns],
  )

  function bodyFor(
    model: string,
    messages: PlaygroundMessage[],
    settings: PlaygroundSettings,
  ): PlaygroundBody {
    return settings.maxTokens === undefined
      ? { model, messages }
      : { model, messages, max_tokens: settings.maxTokens }
  }

  function addTurn(kind: Turn['kind'], prompt: string, models: string[]): number {
    const id = nextId.current++
    const answers = models.map((model) => ({ model, state: WAITING, error: null }))
    setTurns((all) => [...all, { id, kind, prompt, answers }])
    return id
  }

  return {
    turns,
    pending,
    running: running > 0,

    /** Sends a chat prompt with the conversation so far. */
    send(model: string, prompt: string, settings: PlaygroundSettings) {
      const messages = [...history(settings), { role: 'user' as const, content: prompt }]
      const id = addTurn('chat', prompt, [model])
      void run(id, 0, bodyFor(model, messages, settings))
    },

    /** Asks for both lanes' quote; the compare waits for {@link confirmCompare}. */
    quote(
      targets: { cheap: string; resale: string; base: string },
      prompt: string,
      settings: PlaygroundSettings,
    ) {
      quoteController.current?.abort()
      const controller = new AbortController()
      quoteController.current = controller
      // Quoted by the catalog model: the quote answers for every lane, cheap and resale included.
      const body = bodyFor(targets.base, compareMessages(prompt, settings), settings)
      setPending({ prompt, cheap: targets.cheap, resale: targets.resale, quote: null, error: null })
      fetchQuote(body, controller.signal).then(
        (quote) => setPending((current) => (current?.prompt === prompt ? { ...current, quote } : current)),
        (error: unknown) => {
          if (!isAbort(error))
            setPending((current) => (current?.prompt === prompt ? { ...current, error } : current))
        },
      )
    },

    /** Sends the quoted prompt to both lanes at once. */
    confirmCompare(settings: PlaygroundSettings) {
      if (pending === null) return
      const messages = compareMessages(pending.prompt, settings)
      const id = addTurn('compare', pending.prompt, [pending.cheap, pending.resale])
      void run(id, 0, bodyFor(pending.cheap, messages, settings))
      void run(id, 1, bodyFor(pending.resale, messages, settings))
      setPending(null)
    },

    cancelCompare() {
      quoteController.current?.abort()
      setPending(null)
    },

    /** Stops every answer still streaming (what was generated stays, and is charged). */
    stop() {
      for (const controller of controllers.current) controller.abort()
    },

    clear() {
      for (const controller of controllers.current) controller.abort()
      setTurns([])
      setPending(null)
    },
  }
}

/** A compare's messages: the system prompt, if any, and the prompt alone. */
function compareMessages(prompt: string, settings: PlaygroundSettings): PlaygroundMessage[] {
  return settings.system.trim() === ''
    ? [{ role: 'user', content: prompt }]
    : [
        { role: 'system', content: settings.system },
        { role: 'user', content: prompt },
      ]
}

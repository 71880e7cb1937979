/**
 * One request's spans on `@opentelemetry/api`: the SERVER span (`chat sim-echo`), and under it
 * `admission`, one CLIENT span per upstream attempt and `settlement`. Attributes follow the
 * OpenTelemetry GenAI semantic conventions (`gen_ai.*`), HTTP's (`http.*`, `server.*`,
 * `error.type`) and ours (`onekey.*`). Only names, IDs, counts, codes and amounts become
 * attributes: never a prompt, an answer, a key or a client header.
 *
 * Loaded with the SDK (otel-tracing.ts), only when tracing is on.
 *
 * @module
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 */
import { type Context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api'
import { formatDecimal } from '../contracts/usd.ts'
import type { RequestTrace, TracedAttempt, TracedFailure, TracedRequest } from './tracing.ts'

/** `gen_ai.provider.name` well-known values by provider kind; other kinds go as they are. */
const GEN_AI_PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  'azure-openai': 'azure.ai.openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
  deepseek: 'deepseek',
  groq: 'groq',
  mistral: 'mistral_ai',
}

/** `gen_ai.operation.name` by endpoint. */
function operationOf(route: string): string {
  if (route === '/v1/embeddings') return 'embeddings'
  if (route === '/v1/completions') return 'text_completion'
  return 'chat'
}

const usd = (nano: number) => formatDecimal(nano, 9)

function failureOf(error: unknown): TracedFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code, status, retryable } = error as Partial<TracedFailure>
  return typeof code === 'string' && typeof status === 'number'
    ? { code, status, retryable: retryable === true }
    : undefined
}

/** Marks a span failed with the gateway's error code only (messages may quote upstream text). */
function recordFailure(span: Span, error: unknown): void {
  const failure = failureOf(error)
  span.setAttribute('error.type', failure?.code ?? 'internal_error')
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure?.code ?? 'internal_error' })
}

/** A sampled request's spans. */
export class OtelRequestTrace implements RequestTrace {
  readonly #tracer: Tracer
  readonly #root: Span
  readonly #parent: Context
  readonly #operation: string
  #admission: Span | undefined = undefined
  #attempt: Span | undefined = undefined
  #attempts = 0

  constructor(tracer: Tracer, root: Span, parent: Context, route: string) {
    this.#tracer = tracer
    this.#root = root
    this.#parent = trace.setSpan(parent, root)
    this.#operation = operationOf(route)
    root.setAttribute('gen_ai.operation.name', this.#operation)
  }

  describe(model: string, maxTokens: number | undefined): void {
    const root = this.#root
    root.updateName(`${this.#operation} ${model}`)
    root.setAttribute('gen_ai.request.model', model)
    if (maxTokens !== undefined) root.setAttribute('gen_ai.request.max_tokens', maxTokens)
  }

  startAdmission(): void {
    this.#admission = this.#tracer.startSpan('admission', { kind: SpanKind.INTERNAL }, this.#parent)
  }

  endAdmission(failure: unknown): void {
    const span = this.#admission
    if (span === undefined) return
    this.#admission = undefined
    if (failure !== undefined) recordFailure(span, failure)
    span.end()
  }

  startAttempt(attempt: TracedAttempt): void {
    this.#attempt?.end()
    const config = attempt.provider.config
    const upstreamModel = attempt.target.upstreamModel
    const system = GEN_AI_PROVIDERS[config.kind] ?? config.kind
    const span = this.#tracer.startSpan(
      `${this.#operation} ${upstreamModel}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': this.#operation,
          'gen_ai.system': system,
          'gen_ai.provider.name': system,
          'gen_ai.request.model': upstreamModel,
          'onekey.model': attempt.model.id,
          'onekey.provider': config.name,
          'onekey.account': attempt.target.account.name,
          'onekey.lane': attempt.lane,
          'onekey.attempt': ++this.#attempts,
        },
      },
      this.#parent,
    )
    try {
      const url = new URL(config.baseUrl)
      span.setAttribute('server.address', url.hostname)
      span.setAttribute('server.port', Number(url.port) || (url.protocol === 'https:' ? 443 : 80))
    } catch {
      // A base URL the transport accepted always parses; nothing to say otherwise.
    }
    this.#attempt = span
  }

  attemptStatus(status: number): void {
    this.#attempt?.setAttribute('http.response.status_code', status)
  }

  endAttempt(failure: TracedFailure | undefined, aborted: boolean): void {
    const span = this.#attempt
    if (span === undefined) return
    this.#attempt = undefined
    if (aborted) {
      span.setAttribute('error.type', 'client_aborted')
    } else if (failure !== undefined) {
      recordFailure(span, failure)
      span.setAttribute('onekey.retryable', failure.retryable)
      // Why the next attempt (if any) runs: the gateway error code, never the upstream's text.
      if (failure.retryable) span.setAttribute('onekey.retry_reason', failure.code)
    }
    span.end()
  }

  settle(charged: Promise<number | undefined>, costNano: number): void {
    const span = this.#tracer.startSpan(
      'settlement',
      { kind: SpanKind.INTERNAL, attributes: { 'onekey.cost': usd(costNano) } },
      this.#parent,
    )
    charged.then(
      (nano) => {
        if (nano === undefined) {
          span.setAttribute('error.type', 'settlement_failed')
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'settlement_failed' })
        } else span.setAttribute('onekey.charged', usd(nano))
        span.end()
      },
      (error: unknown) => {
        recordFailure(span, error)
        span.end()
      },
    )
  }

  end(request: TracedRequest): void {
    // An attempt or admission left open by a thrown error ends with the request.
    this.endAdmission(undefined)
    this.#attempt?.end()
    const root = this.#root
    const log = request.log
    const status = request.response.statusCode
    root.setAttribute('onekey.request_id', request.requestId)
    root.setAttribute('http.response.status_code', status)
    if (request.key !== undefined) {
      root.setAttribute('onekey.workspace_id', request.key.workspaceId)
      root.setAttribute('onekey.key_id', request.key.keyId)
    }
    if (log.lane !== undefined) root.setAttribute('onekey.lane', log.lane)
    if (log.provider !== undefined) root.setAttribute('onekey.provider', log.provider)
    if (log.upstreamModel !== undefined) root.setAttribute('gen_ai.response.model', log.upstreamModel)
    if (log.attempts !== undefined) root.setAttribute('onekey.attempts', log.attempts)
    if (log.stream !== undefined) root.setAttribute('onekey.stream', log.stream)
    if (log.promptTokens !== undefined) root.setAttribute('gen_ai.usage.input_tokens', log.promptTokens)
    if (log.completionTokens !== undefined)
      root.setAttribute('gen_ai.usage.output_tokens', log.completionTokens)
    if (log.costNano !== undefined) root.setAttribute('onekey.cost', usd(log.costNano))
    if (status >= 400) root.setAttribute('error.type', log.errorCode ?? String(status))
    if (request.signal.aborted) root.setAttribute('onekey.client_aborted', true)
    // HTTP server conventions: 5xx is the server's failure; a 4xx is the caller's (error.type says which).
    if (status >= 500)
      root.setStatus({ code: SpanStatusCode.ERROR, message: log.errorCode ?? String(status) })
    root.end()
  }
}

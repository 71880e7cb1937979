/**
 * The tracing seam: what the pipeline tells a request's trace (admission, each upstream attempt,
 * settlement, the end), and the settings it is built from. Types only: nothing here loads
 * OpenTelemetry. When tracing is off the gateway has no {@link Tracing} at all and every
 * request's `trace` is `undefined`, so each stage costs one `undefined` test (`trace?.…`, whose
 * arguments are then never evaluated) and allocates nothing. When it is on, server/start-gateway.ts
 * loads the SDK (otel-tracing.ts) with a dynamic `import()`.
 *
 * The interfaces take the gateway's own objects structurally (a `RequestContext` is a
 * {@link TracedRequest}, a `PlannedAttempt` a {@link TracedAttempt}) and read only the fields
 * named here: never a prompt, an answer, an API key or a header other than `traceparent` and
 * `tracestate`.
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'

/** OTLP over HTTP, binary protobuf or JSON (gRPC is refused at startup). */
export type OtlpProtocol = 'http/protobuf' | 'http/json'

/** The standard `OTEL_TRACES_SAMPLER` values OneKey accepts. */
export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const
export type TracesSampler = (typeof TRACES_SAMPLERS)[number]

/** Tracing settings, read from the standard `OTEL_*` variables by config/tracing-config.ts. */
export interface TracingConfig {
  /** Where spans are POSTed: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `…_ENDPOINT` + `/v1/traces`. */
  url: string
  protocol: OtlpProtocol
  /** `OTEL_EXPORTER_OTLP_HEADERS` (and `…_TRACES_HEADERS`), e.g. a collector's API key. */
  headers: Record<string, string>
  serviceName: string
  /** `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes: Record<string, string>
  sampler: TracesSampler
  /** `OTEL_TRACES_SAMPLER_ARG` for the ratio samplers (default 1). */
  samplerRatio: number
  /** `OTEL_BSP_SCHEDULE_DELAY`, when set (the SDK's default otherwise). */
  scheduleDelayMs: number | undefined
  /** `OTEL_EXPORTER_OTLP_TIMEOUT` / `…_TRACES_TIMEOUT`, when set. */
  exportTimeoutMs: number | undefined
}

/** What a finished request's trace reads (a `RequestContext` is one). */
export interface TracedRequest {
  readonly requestId: string
  readonly response: { readonly statusCode: number }
  readonly key: { readonly workspaceId: string; readonly keyId: string } | undefined
  readonly signal: AbortSignal
  readonly log: {
    readonly lane?: string | undefined
    readonly provider?: string | undefined
    readonly upstreamModel?: string | undefined
    readonly attempts?: number | undefined
    readonly promptTokens?: number | undefined
    readonly completionTokens?: number | undefined
    readonly costNano?: number | undefined
    readonly errorCode?: string | undefined
    readonly stream?: boolean | undefined
  }
}

/** What an upstream attempt's span reads (a `PlannedAttempt` is one): names, never keys. */
export interface TracedAttempt {
  readonly lane: string
  readonly model: { readonly id: string }
  readonly target: { readonly upstreamModel: string; readonly account: { readonly name: string } }
  readonly provider: {
    readonly config: { readonly kind: string; readonly name: string; readonly baseUrl: string }
  }
}

/** How a step failed, as far as a span may say: the gateway error's code (a `GatewayError` is one). */
export interface TracedFailure {
  readonly code: string
  readonly status: number
  readonly retryable: boolean
}

/** One API request's trace: its SERVER span and the children the pipeline opens under it. */
export interface RequestTrace {
  /** The model asked for and the output cap: names the span `{operation} {model}` (GenAI conventions). */
  describe(model: string, maxTokens: number | undefined): void
  /** Rate limits and the reservation begin. */
  startAdmission(): void
  /** …and end: `failure` is the refusal (429, 402…) or undefined when admitted. */
  endAdmission(failure: unknown): void
  /** An upstream attempt begins (a CLIENT span). */
  startAttempt(attempt: TracedAttempt): void
  /** The upstream answered with this HTTP status. */
  attemptStatus(status: number): void
  /** The attempt ended: delivered (no failure), failed (retryable failures name the retry reason) or aborted. */
  endAttempt(failure: TracedFailure | undefined, aborted: boolean): void
  /**
   * The charge of `costNano` is being settled; `charged` resolves to what was charged (undefined
   * when the settlement failed). May end after the request's span: it is its child all the same.
   */
  settle(charged: Promise<number | undefined>, costNano: number): void
  /** The response closed and the handler finished: the request's attributes, then its span ends. */
  end(request: TracedRequest): void
}

/** The tracer: one per gateway, present only when tracing is on. */
export interface Tracing {
  /**
   * Starts a `/v1/*` request's SERVER span, continuing an incoming W3C `traceparent`. `route` is
   * the matched route (`/v1/models/{id}`, not the raw path). Returns undefined when the sampler
   * drops it (nothing more is recorded for that request).
   */
  startRequest(method: string, route: string, headers: IncomingHttpHeaders): RequestTrace | undefined
  /** Exports what is buffered and stops (on the gateway's close). */
  shutdown(): Promise<void>
}

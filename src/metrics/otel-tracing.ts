/**
 * The OpenTelemetry SDK behind the tracing seam (tracing.ts): a tracer provider with the
 * configured sampler, a batch span processor and an OTLP/HTTP exporter (protobuf or JSON), and
 * the W3C trace-context propagator for incoming `traceparent`/`tracestate`.
 *
 * Only server/start-gateway.ts loads this module, with a dynamic `import()`, and only when an
 * OTLP endpoint is configured: with tracing off no SDK module is ever loaded. Nothing is
 * registered globally (no global tracer provider, propagator or context manager): the gateway
 * passes parent contexts explicitly, so two gateways in one process (tests) do not collide, and
 * nothing is ever injected into upstream requests.
 *
 * @module
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base'
import { OtelRequestTrace } from './otel-request-trace.ts'
import type { Tracing, TracingConfig } from './tracing.ts'

/** The sampler `OTEL_TRACES_SAMPLER`/`_ARG` name, built from the SDK's own samplers. */
export function createSampler(config: Pick<TracingConfig, 'sampler' | 'samplerRatio'>): Sampler {
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler()
    case 'always_off':
      return new AlwaysOffSampler()
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(config.samplerRatio)
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() })
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() })
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplerRatio) })
  }
}

async function createExporter(config: TracingConfig): Promise<SpanExporter> {
  const options = {
    url: config.url,
    headers: config.headers,
    ...(config.exportTimeoutMs === undefined ? {} : { timeoutMillis: config.exportTimeoutMs }),
  }
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http')
    return new OTLPTraceExporter(options)
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto')
  return new OTLPTraceExporter(options)
}

/** Starts the SDK: the gateway's {@link Tracing}, exporting to `config.url` until `shutdown()`. */
export async function startOtelTracing(config: TracingConfig, serviceVersion?: string): Promise<Tracing> {
  const exporter = await createExporter(config)
  const provider = new BasicTracerProvider({
    sampler: createSampler(config),
    resource: defaultResource().merge(
      resourceFromAttributes({
        ...config.resourceAttributes,
        'service.name': config.serviceName,
        ...(serviceVersion === undefined ? {} : { 'service.version': serviceVersion }),
      }),
    ),
    spanProcessors: [
      new BatchSpanProcessor(
        exporter,
        config.scheduleDelayMs === undefined ? {} : { scheduledDelayMillis: config.scheduleDelayMs },
      ),
    ],
  })
  const tracer = provider.getTracer('onekey', serviceVersion)
  const propagator = new W3CTraceContextPropagator()
  let stopped: Promise<void> | undefined

  return {
    startRequest(method, route, headers) {
      const parent =
        headers.traceparent === undefined
          ? ROOT_CONTEXT
          : propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter)
      const root = tracer.startSpan(
        `${method} ${route}`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': route } },
        parent,
      )
      // Dropped by the sampler: nothing else is recorded for this request.
      if (!root.isRecording()) return undefined
      return new OtelRequestTrace(tracer, root, parent, route)
    },
    shutdown() {
      // Ends the batch processor after one last export of what it holds.
      stopped ??= provider.shutdown()
      return stopped
    },
  }
}

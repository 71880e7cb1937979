/**
 * A fake OpenTelemetry collector: a real `node:http` server on 127.0.0.1:0 that accepts OTLP/HTTP
 * trace exports on `POST /v1/traces`, decodes them (protobuf with the OTLP schema in
 * otlp-trace-proto.ts, or OTLP/JSON), and keeps every span in one plain shape. Anything else
 * (another path, content type, an undecodable body) is answered 4xx and recorded as a rejection,
 * so a test sees a malformed export instead of a silently accepted one.
 *
 * @module
 * @see https://opentelemetry.io/docs/specs/otlp/#otlphttp
 */
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { gunzipSync } from 'node:zlib'
import { ExportTraceServiceRequest, ExportTraceServiceResponse } from './otlp-trace-proto.ts'

export type AttributeValue = string | number | boolean

/** One exported span, the same shape whichever protocol carried it. */
export interface ReceivedSpan {
  traceId: string
  spanId: string
  /** Empty for a root span. */
  parentSpanId: string
  name: string
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number
  attributes: Record<string, AttributeValue>
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string }
  resource: Record<string, AttributeValue>
  protocol: 'protobuf' | 'json'
}

export interface ReceivedExport {
  protocol: 'protobuf' | 'json'
  headers: IncomingHttpHeaders
  spanCount: number
}

export interface OtlpReceiver {
  /** The collector's base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it. */
  url: string
  spans: ReceivedSpan[]
  exports: ReceivedExport[]
  /** Requests refused (wrong path, content type, undecodable body), described. */
  rejections: string[]
  /** Resolves with the spans once `predicate` holds, or throws after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>
  reset(): void
  close(): Promise<void>
}

// Loosely typed decoded OTLP (protobufjs objects with snake_case keys, or OTLP/JSON camelCase).
// biome-ignore lint/suspicious/noExplicitAny: walks decoded wire objects of either protocol
type Wire = any

function hex(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value.toLowerCase()
  return Buffer.from(value as Uint8Array).toString('hex')
}

function anyValue(value: Wire): AttributeValue {
  if (value === undefined || value === null) return ''
  const string = value.string_value ?? value.stringValue
  if (string !== undefined) return string
  const bool = value.bool_value ?? value.boolValue
  if (bool !== undefined) return bool
  const int = value.int_value ?? value.intValue
  if (int !== undefined) return Number(int)
  const double = value.double_value ?? value.doubleValue
  if (double !== undefined) return Number(double)
  // Arrays, maps and bytes: kept as JSON text (the gateway sends none, but a scan must see them).
  return JSON.stringify(value)
}

function attributesOf(list: Wire[] | undefined): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {}
  for (const entry of list ?? []) result[entry.key] = anyValue(entry.value)
  return result
}

function spansOf(request: Wire, protocol: 'protobuf' | 'json'): ReceivedSpan[] {
  const spans: ReceivedSpan[] = []
  for (const resourceSpans of request.resource_spans ?? request.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes)
    for (const scopeSpans of resourceSpans.scope_spans ?? resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: hex(span.trace_id ?? span.traceId),
          spanId: hex(span.span_id ?? span.spanId),
          parentSpanId: hex(span.parent_span_id ?? span.parentSpanId),
          name: span.name,
          kind: Number(span.kind ?? 0),
          attributes: attributesOf(span.attributes),
          status: { code: Number(span.status?.code ?? 0), message: span.status?.message ?? '' },
          resource,
          protocol,
        })
      }
    }
  }
  return spans
}

function decode(contentType: string, body: Buffer): { protocol: 'protobuf' | 'json'; request: Wire } {
  if (contentType === 'application/x-protobuf') {
    const message = ExportTraceServiceRequest.decode(body)
    return {
      protocol: 'protobuf',
      request: ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number }),
    }
  }
  if (contentType === 'application/json')
    return { protocol: 'json', request: JSON.parse(body.toString('utf8')) }
  throw new Error(`unsupported content type "${contentType}"`)
}

/** Starts a receiver on 127.0.0.1:0. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = []
  const exports: ReceivedExport[] = []
  const rejections: string[] = []
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    let body = Buffer.concat(chunks)
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim()
    try {
      if (request.method !== 'POST' || request.url !== '/v1/traces')
        throw new Error(`${request.method} ${request.url} is not the traces endpoint`)
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
      const { protocol, request: decoded } = decode(contentType, body)
      const received = spansOf(decoded, protocol)
      for (const span of received) {
        if (span.traceId.length !== 32 || span.spanId.length !== 16)
          throw new Error(`span "${span.name}" has malformed IDs`)
      }
      spans.push(...received)
      exports.push({ protocol, headers: request.headers, spanCount: received.length })
      if (protocol === 'protobuf') {
        const answer = ExportTraceServiceResponse.encode(ExportTraceServiceResponse.create({})).finish()
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(answer)
      } else {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      }
    } catch (error) {
      rejections.push((error as Error).message)
      response.writeHead(400, { 'content-type': 'text/plain' }).end((error as Error).message)
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    exports,
    rejections,
    async waitFor(predicate, timeoutMs = 5_000) {
      const deadline = performance.now() + timeoutMs
      while (!predicate(spans)) {
        if (performance.now() > deadline)
          throw new Error(
            `timed out waiting for spans; received: ${spans.map((span) => span.name).join(', ')}`,
          )
        await sleep(10)
      }
      return spans
    },
    reset() {
      spans.length = 0
      exports.length = 0
      rejections.length = 0
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

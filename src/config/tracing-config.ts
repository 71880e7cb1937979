/**
 * Tracing from the standard OpenTelemetry environment variables: an OTLP endpoint switches it
 * on, nothing else is needed. Read here, with the rest of the configuration, from the `env` the
 * gateway is given (the process's, or a test's): the SDK is then configured with explicit values
 * (metrics/otel-tracing.ts) instead of reading `process.env` itself.
 *
 * - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/traces`)
 * - `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`: `http/protobuf` (default) or `http/json`; `grpc` is refused
 * - `OTEL_EXPORTER_OTLP_[TRACES_]HEADERS`, `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT`
 * - `OTEL_SERVICE_NAME` (default `onekey`), `OTEL_RESOURCE_ATTRIBUTES`
 * - `OTEL_TRACES_SAMPLER` (default `parentbased_always_on`), `OTEL_TRACES_SAMPLER_ARG`
 * - `OTEL_BSP_SCHEDULE_DELAY`
 * - `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off
 *
 * Error messages name the variable, never its value (headers carry collector credentials).
 *
 * @module
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 * @see https://opentelemetry.io/docs/specs/otel/protocol/exporter/
 */
import { TRACES_SAMPLERS, type TracesSampler, type TracingConfig } from '../metrics/tracing.ts'

type Env = Record<string, string | undefined>

function variable(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

/** `key1=value1,key2=value2` (W3C baggage style, values percent-decoded), as the spec defines. */
function readKeyValueList(env: Env, name: string, problems: string[]): Record<string, string> {
  const result: Record<string, string> = {}
  const text = variable(env, name)
  if (text === undefined) return result
  for (const [index, entry] of text.split(',').entries()) {
    if (entry.trim() === '') continue
    const equals = entry.indexOf('=')
    const key = equals === -1 ? '' : entry.slice(0, equals).trim()
    if (key === '') {
      problems.push(`${name}: entry ${index + 1} is not key=value`)
      continue
    }
    try {
      result[decodeURIComponent(key)] = decodeURIComponent(entry.slice(equals + 1).trim())
    } catch {
      problems.push(`${name}: entry ${index + 1} is not valid percent-encoding`)
    }
  }
  return result
}

function readMilliseconds(env: Env, name: string, problems: string[]): number | undefined {
  const text = variable(env, name)
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0) {
    problems.push(`${name}: must be a whole number of milliseconds`)
    return undefined
  }
  return value
}

function readUrl(env: Env, name: string, problems: string[], suffix = ''): string | undefined {
  const text = variable(env, name)
  if (text === undefined) return undefined
  let url: URL
  try {
    url = new URL(text)
  } catch {
    problems.push(`${name}: not a URL`)
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`${name}: must be an http:// or https:// URL (OTLP over HTTP)`)
    return undefined
  }
  if (suffix === '') return text
  // The base endpoint gets the signal path; a path already there is kept (spec: ".../v1/traces").
  return `${text.endsWith('/') ? text.slice(0, -1) : text}${suffix}`
}

/**
 * The tracing settings in `env`, or null when tracing is off (no endpoint, `OTEL_SDK_DISABLED`,
 * `OTEL_TRACES_EXPORTER=none`). Problems are appended to `problems` (refused at startup).
 */
export function readTracingConfig(env: Env, problems: string[]): TracingConfig | null {
  if (variable(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return null
  const exporter = variable(env, 'OTEL_TRACES_EXPORTER')
  if (exporter === 'none') return null
  const url =
    readUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', problems) ??
    readUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', problems, '/v1/traces')
  if (url === undefined) return null
  if (exporter !== undefined && exporter !== 'otlp')
    problems.push(`OTEL_TRACES_EXPORTER: only "otlp" (or "none") is supported`)

  const protocolName = variable(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL'
  const protocol = variable(env, protocolName) ?? 'http/protobuf'
  if (protocol === 'grpc') {
    problems.push(
      `${protocolName}: grpc is not supported; OneKey exports OTLP over HTTP: use http/protobuf (the default) or http/json (a collector's port 4318)`,
    )
  } else if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    problems.push(`${protocolName}: must be http/protobuf or http/json`)
  }

  const sampler = (variable(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on') as TracesSampler
  if (!TRACES_SAMPLERS.includes(sampler))
    problems.push(`OTEL_TRACES_SAMPLER: must be one of ${TRACES_SAMPLERS.join(', ')}`)
  let samplerRatio = 1
  const ratioText = variable(env, 'OTEL_TRACES_SAMPLER_ARG')
  if (ratioText !== undefined && sampler.endsWith('traceidratio')) {
    samplerRatio = Number(ratioText)
    if (!Number.isFinite(samplerRatio) || samplerRatio < 0 || samplerRatio > 1)
      problems.push('OTEL_TRACES_SAMPLER_ARG: must be a ratio between 0 and 1')
  }

  const resourceAttributes = readKeyValueList(env, 'OTEL_RESOURCE_ATTRIBUTES', problems)
  return {
    url,
    protocol: protocol as TracingConfig['protocol'],
    headers: {
      ...readKeyValueList(env, 'OTEL_EXPORTER_OTLP_HEADERS', problems),
      ...readKeyValueList(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', problems),
    },
    serviceName: variable(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'onekey',
    resourceAttributes,
    sampler,
    samplerRatio,
    scheduleDelayMs: readMilliseconds(env, 'OTEL_BSP_SCHEDULE_DELAY', problems),
    exportTimeoutMs:
      readMilliseconds(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', problems) ??
      readMilliseconds(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', problems),
  }
}

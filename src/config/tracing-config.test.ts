import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readTracingConfig } from './tracing-config.ts'

function read(env: Record<string, string>) {
  const problems: string[] = []
  return { config: readTracingConfig(env, problems), problems }
}

test('off without an endpoint, with OTEL_SDK_DISABLED=true, or with OTEL_TRACES_EXPORTER=none', () => {
  assert.deepEqual(read({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }), {
    config: null,
    problems: [],
  })
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }
  assert.equal(read({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }).config, null)
  assert.equal(read({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).config, null)
})

test('the endpoint alone switches tracing on, with the standard defaults', () => {
  const { config, problems } = read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })
  assert.deepEqual(problems, [])
  assert.deepEqual(config, {
    url: 'http://collector:4318/v1/traces',
    protocol: 'http/protobuf',
    headers: {},
    serviceName: 'onekey',
    resourceAttributes: {},
    sampler: 'parentbased_always_on',
    samplerRatio: 1,
    scheduleDelayMs: undefined,
    exportTimeoutMs: undefined,
  })
})

test('signal-specific variables win; headers and resource attributes are percent-decoded lists', () => {
  const { config, problems } = read({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/custom/traces',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b,x-team=core',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
    OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-resource,deployment.environment=prod',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.25',
    OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
  })
  assert.deepEqual(problems, [])
  assert.equal(config?.url, 'https://collector.example/custom/traces')
  assert.equal(config?.protocol, 'http/json')
  assert.deepEqual(config?.headers, { 'api-key': 'a b', 'x-team': 'traces' })
  assert.equal(config?.serviceName, 'from-resource')
  assert.equal(config?.samplerRatio, 0.25)
  assert.equal(config?.exportTimeoutMs, 2500)
})

test('grpc and other mistakes are refused at startup, naming the variable and never its value', () => {
  const grpc = read({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
  })
  assert.match(grpc.problems.join('\n'), /OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported.*http\/protobuf/)
  const bad = read({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization-token-s3cr3t',
    OTEL_TRACES_SAMPLER: 'jaeger_remote',
    OTEL_TRACES_SAMPLER_ARG: '2',
  })
  assert.deepEqual(bad.problems.sort(), [
    'OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not key=value',
    'OTEL_TRACES_SAMPLER: must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio',
  ])
  assert.equal(bad.problems.join('').includes('s3cr3t'), false)
  assert.match(
    read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }).problems[0]!,
    /http:\/\/ or https:\/\//,
  )
})

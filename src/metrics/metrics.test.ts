import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createMetricsRegistry } from './prometheus-registry.ts'

test('counters, histograms and gauges render in the Prometheus text format', () => {
  const registry = createMetricsRegistry()
  const requests = registry.counter('onekey_requests_total', 'Requests.')
  requests.inc({ lane: 'cheap', status: '200' })
  requests.inc({ lane: 'cheap', status: '200' })
  requests.inc({ lane: 'say "hi"\n', status: '500' })
  const latency = registry.histogram('onekey_latency_seconds', 'Latency.', [0.1, 1])
  latency.observe({ lane: 'cheap' }, 0.05)
  latency.observe({ lane: 'cheap' }, 0.5)
  registry.gauge('onekey_up', 'Up.', () => [{ labels: {}, value: 1 }])
  assert.equal(
    registry.render(),
    [
      '# HELP onekey_requests_total Requests.',
      '# TYPE onekey_requests_total counter',
      'onekey_requests_total{lane="cheap",status="200"} 2',
      'onekey_requests_total{lane="say \\"hi\\"\\n",status="500"} 1',
      '# HELP onekey_latency_seconds Latency.',
      '# TYPE onekey_latency_seconds histogram',
      'onekey_latency_seconds_bucket{lane="cheap",le="0.1"} 1',
      'onekey_latency_seconds_bucket{lane="cheap",le="1"} 2',
      'onekey_latency_seconds_bucket{lane="cheap",le="+Inf"} 2',
      'onekey_latency_seconds_sum{lane="cheap"} 0.55',
      'onekey_latency_seconds_count{lane="cheap"} 2',
      '# HELP onekey_up Up.',
      '# TYPE onekey_up gauge',
      'onekey_up 1',
      '',
    ].join('\n'),
  )
})

test('a label set is one series whatever order or shape the calls use', () => {
  const registry = createMetricsRegistry()
  const requests = registry.counter('onekey_requests_total', 'Requests.')
  requests.inc({ lane: 'cheap', status: '200' })
  requests.inc({ status: '200', lane: 'cheap' }) // other order: the same series
  requests.inc({ lane: 'cheap', status: '200' }, 3)
  requests.inc({ lane: 'cheap' }) // fewer labels: its own series
  requests.inc({ lane: 'cheap', status: '200', extra: 'x' }) // more labels: its own series
  requests.inc({ lane: 'byok', status: '200' })
  requests.inc()
  assert.equal(
    registry.render(),
    [
      '# HELP onekey_requests_total Requests.',
      '# TYPE onekey_requests_total counter',
      'onekey_requests_total{lane="cheap",status="200"} 5',
      'onekey_requests_total{lane="cheap"} 1',
      'onekey_requests_total{lane="cheap",status="200",extra="x"} 1',
      'onekey_requests_total{lane="byok",status="200"} 1',
      'onekey_requests_total 1',
      '',
    ].join('\n'),
  )
})

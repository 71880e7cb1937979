/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format. In-process and allocation-light on the request path (a label set is looked
 * up value by value in nested maps); no dependency.
 *
 * @module
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */

type Labels = Record<string, string>

interface Series {
  labels: Labels
  value: number
  /** Histograms: cumulative counts per bucket, then sum. */
  buckets?: number[]
  sum?: number
}

interface Metric {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  bounds?: readonly number[]
  series: Map<string, Series>
  /** The label names of the first series, in order: the shape nearly every call has. */
  names?: string[]
  /** For calls of that shape: series by label value, one map per label, no key string built. */
  tree: Map<string, unknown>
  /** Gauges read at scrape time. */
  collect?: () => { labels: Labels; value: number }[]
}

/** A label set's key, the same whatever order its labels come in. */
function keyOf(labels: Labels): string {
  let key = ''
  for (const name of Object.keys(labels).sort()) key += `${name}\u0000${labels[name]}\u0001`
  return key
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function render(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels)
  if (extra !== undefined) pairs.push(extra)
  if (pairs.length === 0) return ''
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`
}

export interface Counter {
  inc(labels?: Labels, by?: number): void
}
export interface Histogram {
  observe(labels: Labels, value: number): void
}

export interface MetricsRegistry {
  counter(name: string, help: string): Counter
  histogram(name: string, help: string, bounds: readonly number[]): Histogram
  /** A gauge whose values are read when scraped. */
  gauge(name: string, help: string, collect: () => { labels: Labels; value: number }[]): void
  render(): string
}

export function createMetricsRegistry(): MetricsRegistry {
  const metrics: Metric[] = []
  function seriesOf(metric: Metric, labels: Labels): Series {
    metric.names ??= Object.keys(labels)
    const names = metric.names
    let node: unknown = metric.tree
    let depth = 0
    for (const name in labels) {
      if (names[depth] !== name) return seriesByKey(metric, labels)
      const level = node as Map<string, unknown>
      const value = labels[name]!
      depth++
      let child = level.get(value)
      if (child === undefined) {
        child = depth === names.length ? seriesByKey(metric, labels) : new Map<string, unknown>()
        level.set(value, child)
      }
      node = child
    }
    return depth === names.length && depth > 0 ? (node as Series) : seriesByKey(metric, labels)
  }
  function seriesByKey(metric: Metric, labels: Labels): Series {
    const key = keyOf(labels)
    let series = metric.series.get(key)
    if (series === undefined) {
      series = { labels: { ...labels }, value: 0 }
      if (metric.bounds !== undefined) {
        series.buckets = metric.bounds.map(() => 0)
        series.sum = 0
      }
      metric.series.set(key, series)
    }
    return series
  }
  return {
    counter(name, help) {
      const metric: Metric = { name, help, type: 'counter', series: new Map(), tree: new Map() }
      metrics.push(metric)
      return {
        inc(labels = {}, by = 1) {
          seriesOf(metric, labels).value += by
        },
      }
    },
    histogram(name, help, bounds) {
      const metric: Metric = { name, help, type: 'histogram', bounds, series: new Map(), tree: new Map() }
      metrics.push(metric)
      return {
        observe(labels, value) {
          const series = seriesOf(metric, labels)
          series.value++
          series.sum! += value
          for (let index = 0; index < bounds.length; index++)
            if (value <= bounds[index]!) series.buckets![index]!++
        },
      }
    },
    gauge(name, help, collect) {
      metrics.push({ name, help, type: 'gauge', series: new Map(), tree: new Map(), collect })
    },
    render() {
      const lines: string[] = []
      for (const metric of metrics) {
        lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`)
        if (metric.collect !== undefined) {
          for (const { labels, value } of metric.collect())
            lines.push(`${metric.name}${render(labels)} ${value}`)
          continue
        }
        for (const series of metric.series.values()) {
          if (metric.bounds === undefined) {
            lines.push(`${metric.name}${render(series.labels)} ${series.value}`)
            continue
          }
          for (const [index, bound] of metric.bounds.entries()) {
            lines.push(
              `${metric.name}_bucket${render(series.labels, ['le', String(bound)])} ${series.buckets![index]}`,
            )
          }
          lines.push(`${metric.name}_bucket${render(series.labels, ['le', '+Inf'])} ${series.value}`)
          lines.push(`${metric.name}_sum${render(series.labels)} ${series.sum}`)
          lines.push(`${metric.name}_count${render(series.labels)} ${series.value}`)
        }
      }
      return `${lines.join('\n')}\n`
    },
  }
}

/** The gateway's metrics, fed from the request log line and the subsystems. */
export interface GatewayMetrics {
  registry: MetricsRegistry
  requests: Counter
  duration: Histogram
  firstByte: Histogram
  upstreamErrors: Counter
  limiterDecisions: Counter
  charged: Counter
  usageRejected: Counter
}

const LATENCY_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export function createGatewayMetrics(): GatewayMetrics {
  const registry = createMetricsRegistry()
  return {
    registry,
    requests: registry.counter('onekey_requests_total', 'API requests by path, lane, provider and status.'),
    duration: registry.histogram(
      'onekey_request_duration_seconds',
      'Time to the last byte, by lane.',
      LATENCY_BOUNDS,
    ),
    firstByte: registry.histogram(
      'onekey_time_to_first_byte_seconds',
      'Streams: time to the first byte sent to the client, by lane.',
      LATENCY_BOUNDS,
    ),
    upstreamErrors: registry.counter(
      'onekey_upstream_errors_total',
      'Failed upstream attempts by provider and code.',
    ),
    limiterDecisions: registry.counter(
      'onekey_rate_limit_decisions_total',
      'Rate-limit admissions by result.',
    ),
    charged: registry.counter(
      'onekey_charged_nano_usd_total',
      'Cost of answered requests, nano-USD, by lane.',
    ),
    usageRejected: registry.counter(
      'onekey_upstream_usage_rejected_total',
      'Answers whose upstream usage was implausible (negative, fractional, beyond what the request could produce), by provider: priced from the gateway count instead.',
    ),
  }
}

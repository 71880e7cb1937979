/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format. In-process and allocation-light on the request path (a label set is looked
 * up value by value in nested maps); no dependency.
 *
 * @module
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */

type Labels = Record<string, string>

/** One value of a metric read at scrape time. A collector may hand back the same objects every scrape. */
export interface Sample {
  labels: Labels
  value: number
}

interface Series {
  labels: Labels
  /** `{name="value",…}`, rendered once when the series is created. */
  rendered: string
  value: number
  /** Histograms: cumulative counts per bucket, then sum. */
  buckets?: number[]
  /** Histograms: each bucket's rendered labels with its `le`, the last one `+Inf`. */
  bucketLabels?: string[]
  sum?: number
}

interface Metric {
  name: string
  /** `# HELP` and `# TYPE` lines, rendered once. */
  header: string
  bounds?: readonly number[]
  series: Map<string, Series>
  /** The label names of the first series, in order: the shape nearly every call has. */
  names?: string[]
  /** For calls of that shape: series by label value, one map per label, no key string built. */
  tree: Map<string, unknown>
  /** Gauges and counters read at scrape time. */
  collect?: () => readonly Sample[]
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
  gauge(name: string, help: string, collect: () => readonly Sample[]): void
  /** A counter kept elsewhere (the process's CPU seconds), its totals read when scraped. */
  collectedCounter(name: string, help: string, collect: () => readonly Sample[]): void
  /** Runs before each render: one reading of a source that several collectors then share. */
  beforeRender(hook: () => void): void
  render(): string
}

export function createMetricsRegistry(): MetricsRegistry {
  const metrics: Metric[] = []
  const hooks: (() => void)[] = []
  // Collectors that hand back the same label objects every scrape render them once.
  const renderedLabels = new WeakMap<Labels, string>()
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
      const copy = { ...labels }
      series = { labels: copy, rendered: render(copy), value: 0 }
      if (metric.bounds !== undefined) {
        series.buckets = metric.bounds.map(() => 0)
        series.bucketLabels = [...metric.bounds.map(String), '+Inf'].map((bound) =>
          render(copy, ['le', bound]),
        )
        series.sum = 0
      }
      metric.series.set(key, series)
    }
    return series
  }
  function add(name: string, help: string, type: string, extra: Partial<Metric> = {}): Metric {
    const metric: Metric = {
      name,
      header: `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`,
      series: new Map(),
      tree: new Map(),
      ...extra,
    }
    metrics.push(metric)
    return metric
  }
  function labelsOf(labels: Labels): string {
    let text = renderedLabels.get(labels)
    if (text === undefined) {
      text = render(labels)
      renderedLabels.set(labels, text)
    }
    return text
  }
  return {
    counter(name, help) {
      const metric = add(name, help, 'counter')
      return {
        inc(labels = {}, by = 1) {
          seriesOf(metric, labels).value += by
        },
      }
    },
    histogram(name, help, bounds) {
      const metric = add(name, help, 'histogram', { bounds })
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
      add(name, help, 'gauge', { collect })
    },
    collectedCounter(name, help, collect) {
      add(name, help, 'counter', { collect })
    },
    beforeRender(hook) {
      hooks.push(hook)
    },
    render() {
      for (const hook of hooks) hook()
      // One string grown in place: no array of lines, no line strings to join.
      let text = ''
      for (const metric of metrics) {
        text += metric.header
        const { name } = metric
        if (metric.collect !== undefined) {
          for (const sample of metric.collect()) text += `${name}${labelsOf(sample.labels)} ${sample.value}\n`
          continue
        }
        for (const series of metric.series.values()) {
          if (metric.bounds === undefined) {
            text += `${name}${series.rendered} ${series.value}\n`
            continue
          }
          const labels = series.bucketLabels!
          const bucketName = `${name}_bucket`
          for (let index = 0; index < metric.bounds.length; index++)
            text += `${bucketName}${labels[index]} ${series.buckets![index]}\n`
          text += `${bucketName}${labels[metric.bounds.length]} ${series.value}\n`
          text += `${name}_sum${series.rendered} ${series.sum}\n`
          text += `${name}_count${series.rendered} ${series.value}\n`
        }
      }
      return text
    },
  }
}

/**
 * The process's own numbers, under the names prom-client's default metrics use so that
 * dashboards built for Node services work unchanged: CPU seconds, resident memory, heap, heap
 * spaces, external memory, event-loop delay percentiles, GC pauses by kind, active resources by
 * type, start time and the Node version.
 *
 * Everything is read when `/metrics` is scraped, nothing on the request path: the event-loop
 * delay comes from `monitorEventLoopDelay` (a native histogram, reset after each scrape as
 * prom-client does) and GC pauses from a `PerformanceObserver`. Samples are objects kept between
 * scrapes and updated in place, so a scrape allocates only the readings Node hands back.
 *
 * @module
 * @see https://github.com/siimon/prom-client/tree/master/lib/metrics
 */
import {
  constants,
  monitorEventLoopDelay,
  type NodeGCPerformanceDetail,
  PerformanceObserver,
} from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'
import type { MetricsRegistry, Sample } from './prometheus-registry.ts'

/** What has to be stopped when the registry is no longer scraped. */
export interface ProcessMetrics {
  /** Stops the event-loop monitor and the GC observer. */
  close(): void
}

/** prom-client's buckets for `nodejs_gc_duration_seconds`. */
const GC_BOUNDS = [0.001, 0.01, 0.1, 1, 2, 5]

const GC_KINDS = new Map<number, { kind: string }>([
  [constants.NODE_PERFORMANCE_GC_MAJOR, { kind: 'major' }],
  [constants.NODE_PERFORMANCE_GC_MINOR, { kind: 'minor' }],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, { kind: 'incremental' }],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, { kind: 'weakcb' }],
])
const OTHER_GC = { kind: 'other' }

const NO_LABELS = {}

/** One unlabelled sample, updated in place. */
function single(): [Sample] {
  return [{ labels: NO_LABELS, value: 0 }]
}

/**
 * Registers the process metrics on `registry`.
 *
 * @param options.eventLoopResolutionMs how often the event-loop delay is sampled (prom-client's
 *   default, 10 ms)
 */
export function registerProcessMetrics(
  registry: MetricsRegistry,
  options: { eventLoopResolutionMs?: number } = {},
): ProcessMetrics {
  // CPU and memory: one reading per scrape, shared by the metrics below.
  const cpuUser = single()
  const cpuSystem = single()
  const cpuTotal = single()
  const rss = single()
  const heapTotal = single()
  const heapUsed = single()
  const external = single()
  registry.beforeRender(() => {
    const cpu = process.cpuUsage()
    cpuUser[0].value = cpu.user / 1e6
    cpuSystem[0].value = cpu.system / 1e6
    cpuTotal[0].value = (cpu.user + cpu.system) / 1e6
    const memory = process.memoryUsage()
    rss[0].value = memory.rss
    heapTotal[0].value = memory.heapTotal
    heapUsed[0].value = memory.heapUsed
    external[0].value = memory.external
  })
  registry.collectedCounter(
    'process_cpu_user_seconds_total',
    'Total user CPU time spent in seconds.',
    () => cpuUser,
  )
  registry.collectedCounter(
    'process_cpu_system_seconds_total',
    'Total system CPU time spent in seconds.',
    () => cpuSystem,
  )
  registry.collectedCounter(
    'process_cpu_seconds_total',
    'Total user and system CPU time spent in seconds.',
    () => cpuTotal,
  )
  const startTime = single()
  startTime[0].value = Math.round(Date.now() / 1000 - process.uptime())
  registry.gauge(
    'process_start_time_seconds',
    'Start time of the process since unix epoch in seconds.',
    () => startTime,
  )
  registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => rss)
  registry.gauge('process_heap_bytes', 'Process heap size in bytes.', () => heapTotal)
  registry.gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', () => heapTotal)
  registry.gauge(
    'nodejs_heap_size_used_bytes',
    'Process heap size used from Node.js in bytes.',
    () => heapUsed,
  )
  registry.gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', () => external)
  registerHeapSpaces(registry)

  const eventLoop = monitorEventLoopDelay({ resolution: options.eventLoopResolutionMs ?? 10 })
  eventLoop.enable()
  const lag = {
    min: single(),
    max: single(),
    mean: single(),
    stddev: single(),
    p50: single(),
    p90: single(),
    p99: single(),
  }
  registry.beforeRender(() => {
    // No sample since the last scrape (two scrapes within one resolution): keep the last values.
    if (eventLoop.count === 0) return
    lag.min[0].value = eventLoop.min / 1e9
    lag.max[0].value = eventLoop.max / 1e9
    lag.mean[0].value = eventLoop.mean / 1e9
    lag.stddev[0].value = eventLoop.stddev / 1e9
    lag.p50[0].value = eventLoop.percentile(50) / 1e9
    lag.p90[0].value = eventLoop.percentile(90) / 1e9
    lag.p99[0].value = eventLoop.percentile(99) / 1e9
    eventLoop.reset()
  })
  for (const [stat, samples] of Object.entries(lag)) {
    registry.gauge(
      `nodejs_eventloop_lag_${stat}_seconds`,
      `The ${stat} of the recorded event loop delays since the last scrape.`,
      () => samples,
    )
  }

  // GC pauses: `_count` is the collections, `_sum` the seconds, by kind.
  const gc = registry.histogram(
    'nodejs_gc_duration_seconds',
    'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    GC_BOUNDS,
  )
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // A 'gc' entry carries its kind in `detail` (@types/node types only PerformanceMark's).
      const kind = (entry as unknown as { detail?: NodeGCPerformanceDetail }).detail?.kind
      gc.observe((kind === undefined ? undefined : GC_KINDS.get(kind)) ?? OTHER_GC, entry.duration / 1000)
    }
  })
  observer.observe({ entryTypes: ['gc'] })

  registerActiveResources(registry)

  const [major, minor, patch] = process.versions.node.split('.')
  const version: Sample[] = [
    {
      labels: { version: process.version, major: major ?? '', minor: minor ?? '', patch: patch ?? '' },
      value: 1,
    },
  ]
  registry.gauge('nodejs_version_info', 'Node.js version info.', () => version)

  return {
    close() {
      eventLoop.disable()
      observer.disconnect()
    },
  }
}

/** `nodejs_heap_space_size_{total,used,available}_bytes{space}`, space names without `_space`. */
function registerHeapSpaces(registry: MetricsRegistry): void {
  const spaces = getHeapSpaceStatistics().map((space) => space.space_name)
  const labels = spaces.map((name) => ({ space: name.replace(/_space$/, '') }))
  const samples = {
    total: labels.map((label) => ({ labels: label, value: 0 })),
    used: labels.map((label) => ({ labels: label, value: 0 })),
    available: labels.map((label) => ({ labels: label, value: 0 })),
  }
  registry.beforeRender(() => {
    const statistics = getHeapSpaceStatistics()
    for (let index = 0; index < statistics.length && index < spaces.length; index++) {
      const space = statistics[index]!
      samples.total[index]!.value = space.space_size
      samples.used[index]!.value = space.space_used_size
      samples.available[index]!.value = space.space_available_size
    }
  })
  for (const [stat, list] of Object.entries(samples)) {
    registry.gauge(
      `nodejs_heap_space_size_${stat}_bytes`,
      `Process heap space size ${stat} from Node.js in bytes.`,
      () => list,
    )
  }
}

/**
 * `nodejs_active_resources{type}` (open sockets, timers, file requests… what keeps the event loop
 * alive) and their total. A type seen once stays, at 0 when none is open.
 */
function registerActiveResources(registry: MetricsRegistry): void {
  const byType = new Map<string, Sample>()
  const samples: Sample[] = []
  const total = single()
  registry.beforeRender(() => {
    for (const sample of samples) sample.value = 0
    const resources = process.getActiveResourcesInfo()
    for (const type of resources) {
      let sample = byType.get(type)
      if (sample === undefined) {
        sample = { labels: { type }, value: 0 }
        byType.set(type, sample)
        samples.push(sample)
      }
      sample.value++
    }
    total[0].value = resources.length
  })
  registry.gauge(
    'nodejs_active_resources',
    'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.',
    () => samples,
  )
  registry.gauge('nodejs_active_resources_total', 'Total number of active resources.', () => total)
}

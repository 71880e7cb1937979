import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { GCProfiler, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createGatewayMetrics } from './metrics.ts'

/** The value of one sample in exposition text (labels written as rendered), or undefined. */
function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

function typeOf(text: string, name: string): string | undefined {
  return new RegExp(`^# TYPE ${name} (\\w+)$`, 'm').exec(text)?.[1]
}

/**
 * Bytes allocated on the JS heap while `run` runs: the growth of the used heap plus what each GC
 * in between freed (GCProfiler reports every collection with the heap before and after it).
 */
function allocatedBytes(run: () => void): number {
  const profiler = new GCProfiler()
  const before = process.memoryUsage().heapUsed
  profiler.start()
  run()
  const after = process.memoryUsage().heapUsed
  let freed = 0
  for (const collection of profiler.stop().statistics)
    freed += collection.beforeGC.heapStatistics.usedHeapSize - collection.afterGC.heapStatistics.usedHeapSize
  return after - before + freed
}

test('a scrape carries the process defaults under prom-client names, read at scrape time', async (t) => {
  const metrics = createGatewayMetrics()
  t.after(() => metrics.close())
  const server = createServer().listen(0, '127.0.0.1')
  t.after(() => server.close())
  // A collection of each main kind, and a blocked event loop, for the observers to see.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as (options?: { type: 'major' | 'minor' }) => void
  gc({ type: 'major' })
  gc({ type: 'minor' })
  await sleep(30) // the monitor's timer starts on the next turn of the loop
  const blockedUntil = performance.now() + 60
  while (performance.now() < blockedUntil) {}
  await sleep(30)

  const text = metrics.registry.render()
  const counters = [
    'process_cpu_user_seconds_total',
    'process_cpu_system_seconds_total',
    'process_cpu_seconds_total',
  ]
  for (const name of counters) {
    assert.equal(typeOf(text, name), 'counter', name)
    assert.ok(sampleValue(text, name)! > 0, name)
  }
  const cpu = process.cpuUsage()
  assert.ok(sampleValue(text, 'process_cpu_seconds_total')! <= (cpu.user + cpu.system) / 1e6)

  const startTime = sampleValue(text, 'process_start_time_seconds')!
  assert.ok(Math.abs(startTime - (Date.now() / 1000 - process.uptime())) < 2, `start time ${startTime}`)

  const rss = sampleValue(text, 'process_resident_memory_bytes')!
  assert.ok(rss > 10_000_000 && rss < 10_000_000_000, `rss ${rss}`)
  const heapUsed = sampleValue(text, 'nodejs_heap_size_used_bytes')!
  const heapTotal = sampleValue(text, 'nodejs_heap_size_total_bytes')!
  assert.ok(heapUsed > 0 && heapUsed <= heapTotal, `heap ${heapUsed}/${heapTotal}`)
  assert.equal(sampleValue(text, 'process_heap_bytes'), heapTotal)
  assert.ok(sampleValue(text, 'nodejs_external_memory_bytes')! > 0)
  assert.ok(sampleValue(text, 'nodejs_heap_space_size_used_bytes{space="old"}')! > 0)
  assert.ok(sampleValue(text, 'nodejs_heap_space_size_total_bytes{space="new"}')! > 0)
  assert.notEqual(sampleValue(text, 'nodejs_heap_space_size_available_bytes{space="old"}'), undefined)

  // Delays since the last scrape: the 60 ms block shows in the maximum and (1 in few samples) not
  // necessarily in p99; the percentiles are ordered.
  const lag = (stat: string) => sampleValue(text, `nodejs_eventloop_lag_${stat}_seconds`)!
  assert.ok(lag('max') >= 0.05, `max lag ${lag('max')}`)
  assert.ok(lag('min') > 0 && lag('min') <= lag('p50'))
  assert.ok(lag('p50') <= lag('p90') && lag('p90') <= lag('p99') && lag('p99') <= lag('max'))
  assert.ok(lag('mean') > 0 && lag('stddev') >= 0)

  assert.equal(typeOf(text, 'nodejs_gc_duration_seconds'), 'histogram')
  for (const kind of ['major', 'minor']) {
    assert.ok(sampleValue(text, `nodejs_gc_duration_seconds_count{kind="${kind}"}`)! >= 1, kind)
    assert.ok(sampleValue(text, `nodejs_gc_duration_seconds_sum{kind="${kind}"}`)! > 0, kind)
    assert.ok(sampleValue(text, `nodejs_gc_duration_seconds_bucket{kind="${kind}",le="+Inf"}`)! >= 1, kind)
  }

  // The listening socket and the sleep's timer keep the event loop alive.
  assert.ok(sampleValue(text, 'nodejs_active_resources{type="TCPServerWrap"}')! >= 1, text)
  const total = sampleValue(text, 'nodejs_active_resources_total')!
  assert.ok(total >= 1)
  server.close()
  await sleep(5)
  const afterClose = metrics.registry.render()
  assert.equal(
    sampleValue(afterClose, 'nodejs_active_resources{type="TCPServerWrap"}'),
    0,
    'a closed type reads 0',
  )

  const [major, minor, patch] = process.versions.node.split('.')
  assert.equal(
    sampleValue(
      text,
      `nodejs_version_info{version="${process.version}",major="${major}",minor="${minor}",patch="${patch}"}`,
    ),
    1,
  )
})

test('a scrape allocates little: a few times the text it returns (the renderer builds no line arrays)', async (t) => {
  const metrics = createGatewayMetrics()
  t.after(() => metrics.close())
  // A registry as a busy gateway has it: many series on the request metrics.
  for (let index = 0; index < 200; index++) {
    const lane = ['cheap', 'resale', 'byok'][index % 3]!
    metrics.requests.inc({ path: '/v1/chat/completions', lane, provider: `p${index % 20}`, status: '200' })
    metrics.duration.observe({ lane }, index / 100)
    metrics.firstByte.observe({ lane }, index / 1000)
  }
  await sleep(20)
  const bytes = metrics.registry.render().length
  const scrapes = 100
  const perScrape =
    allocatedBytes(() => {
      for (let index = 0; index < scrapes; index++) metrics.registry.render()
    }) / scrapes
  // Measured at ~2.7× with the process defaults; the renderer it replaced allocated ~22× its text.
  assert.ok(perScrape < 4 * bytes, `a scrape of ${bytes} bytes allocated ${Math.round(perScrape)} bytes`)
})

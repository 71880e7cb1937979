/**
 * The bench's tables, in Markdown: every target against the floor, what billing costs (batched
 * and durable, each against the gateway with billing off), and scale-out against one process.
 *
 * @module
 */

/** One cell: a target under one mode and connection count (the median round). */
export interface Measurement {
  target: string
  mode: 'non-stream' | 'stream'
  connections: number
  rps: number
  /** CPU time the target's process spent per request (µs): steadier than rps on a shared machine. */
  cpuUs: number
  /** Bytes the target's process allocated per request (KB, from `--trace-gc`): steadier still. */
  allocKb: number
  /** Garbage-collection pauses per request (µs). */
  gcUs: number
  meanMs: number
  p50Ms: number
  p99Ms: number
  errors: number
}

/** The Markdown rows for `results`. */
export function reportRows(
  results: readonly Measurement[],
  modes: readonly Measurement['mode'][],
  connections: readonly number[],
): string[] {
  const CONNECTIONS = connections
  const MODES = modes
  const resultFor = (target: string, mode: Measurement['mode'], connections: number) =>
    results.find((row) => row.target === target && row.mode === mode && row.connections === connections)
  const rows = [
    '| mode | conns | direct rps | floor rps | onekey rps | onekey / floor | floor / onekey CPU µs per request | floor / onekey KB allocated per request | floor mean ms | onekey mean ms | added vs floor ms | onekey p50 / p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const mode of MODES) {
    for (const connections of CONNECTIONS) {
      const none: Measurement = {
        target: '-',
        mode,
        connections,
        rps: Number.NaN,
        cpuUs: Number.NaN,
        allocKb: Number.NaN,
        gcUs: Number.NaN,
        meanMs: Number.NaN,
        p50Ms: Number.NaN,
        p99Ms: Number.NaN,
        errors: 0,
      }
      const pick = (target: string) => resultFor(target, mode, connections) ?? none
      const [direct, floor, onekey] = [pick('direct'), pick('floor'), pick('onekey')]
      rows.push(
        `| ${mode} | ${connections} | ${direct.rps} | ${floor.rps} | ${onekey.rps} | ${Math.round((onekey.rps / floor.rps) * 100)} % | ${floor.cpuUs.toFixed(0)} / ${onekey.cpuUs.toFixed(0)} | ${floor.allocKb.toFixed(1)} / ${onekey.allocKb.toFixed(1)} | ${floor.meanMs.toFixed(3)} | ${onekey.meanMs.toFixed(3)} | ${(onekey.meanMs - floor.meanMs).toFixed(3)} | ${onekey.p50Ms.toFixed(2)} / ${onekey.p99Ms.toFixed(2)} |`,
      )
    }
  }
  for (const billed of ['onekey', 'durable']) {
    if (!results.some((row) => row.target === 'unbilled') || !results.some((row) => row.target === billed))
      continue
    rows.push(
      '',
      `What billing costs (${billed === 'onekey' ? 'batched settlements' : 'durable settlement: each answer ends after its commit'}; on against off, in the same rounds):`,
      '',
      `| mode | conns | unbilled rps | ${billed} rps | ${billed} / unbilled | unbilled / ${billed} CPU µs per request | billing's CPU µs per request | unbilled / ${billed} KB allocated per request | added vs unbilled ms |`,
      '|---|---|---|---|---|---|---|---|---|',
    )
    for (const mode of MODES) {
      for (const connections of CONNECTIONS) {
        const [unbilled, on] = [
          resultFor('unbilled', mode, connections),
          resultFor(billed, mode, connections),
        ]
        if (unbilled === undefined || on === undefined) continue
        rows.push(
          `| ${mode} | ${connections} | ${unbilled.rps} | ${on.rps} | ${Math.round((on.rps / unbilled.rps) * 100)} % | ${unbilled.cpuUs.toFixed(0)} / ${on.cpuUs.toFixed(0)} | ${(on.cpuUs - unbilled.cpuUs).toFixed(0)} | ${unbilled.allocKb.toFixed(1)} / ${on.allocKb.toFixed(1)} | ${(on.meanMs - unbilled.meanMs).toFixed(3)} |`,
        )
      }
    }
  }
  if (results.some((row) => row.target === 'scaleout')) {
    rows.push(
      '',
      '| mode | conns | one process rps | two processes (PostgreSQL + Redis) rps | two / one | two p50 / p99 ms |',
      '|---|---|---|---|---|---|',
    )
    for (const mode of MODES) {
      for (const connections of CONNECTIONS) {
        const one = resultFor('onekey', mode, connections)
        const two = resultFor('scaleout', mode, connections)
        if (two === undefined) continue
        rows.push(
          `| ${mode} | ${connections} | ${one?.rps ?? '-'} | ${two.rps} | ${one === undefined ? '-' : `${Math.round((two.rps / one.rps) * 100)} %`} | ${two.p50Ms.toFixed(2)} / ${two.p99Ms.toFixed(2)} |`,
        )
      }
    }
  }
  return rows
}

/**
 * Reads Redis's `INFO` output: its own CPU time (`used_cpu_*`, from getrusage: exact), the calls
 * of every command (`cmdstat_*`) and the bytes it read and wrote (`total_net_*_bytes`).
 *
 * @module
 * @see https://redis.io/docs/latest/commands/info/
 */

/** The fields of an `INFO` answer, `name → value` (section headers and blank lines dropped). */
export function parseRedisInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue
    const colon = line.indexOf(':')
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1))
  }
  return fields
}

/** What the bench charges requests with, from one `INFO all` answer. */
export interface RedisCounters {
  /** used_cpu_sys + used_cpu_user (+ the children's: background saves), in µs. */
  cpuUs: number
  /** Command name (lower case, `|` for subcommands as Redis 7 prints them) → calls so far. */
  calls: Map<string, number>
  netInputBytes: number
  netOutputBytes: number
}

/** The counters of one `INFO all` (or `INFO cpu commandstats stats`) answer. */
export function redisCounters(text: string): RedisCounters {
  const fields = parseRedisInfo(text)
  const seconds = (name: string) => Number(fields.get(name) ?? 0)
  const calls = new Map<string, number>()
  for (const [name, value] of fields) {
    if (!name.startsWith('cmdstat_')) continue
    const count = /(?:^|,)calls=(\d+)/.exec(value)
    if (count !== null) calls.set(name.slice('cmdstat_'.length), Number(count[1]))
  }
  return {
    cpuUs: Math.round(
      (seconds('used_cpu_sys') +
        seconds('used_cpu_user') +
        seconds('used_cpu_sys_children') +
        seconds('used_cpu_user_children')) *
        1_000_000,
    ),
    calls,
    netInputBytes: Number(fields.get('total_net_input_bytes') ?? 0),
    netOutputBytes: Number(fields.get('total_net_output_bytes') ?? 0),
  }
}

/** Calls per command between two snapshots (commands with no new calls left out). */
export function callsBetween(before: RedisCounters, after: RedisCounters): Map<string, number> {
  const delta = new Map<string, number>()
  for (const [name, calls] of after.calls) {
    const more = calls - (before.calls.get(name) ?? 0)
    if (more > 0) delta.set(name, more)
  }
  return delta
}

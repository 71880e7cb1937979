/**
 * The rounds log (`BENCH_ROUNDS_LOG=1`): one line per round of every cell on stderr, with what
 * tells a slow round from a fast one: the share of a core, CPU per request by thread, allocation,
 * collections, storage statements, a SQLite gateway's WAL, the services' costs.
 *
 * @module
 */
import { statSync } from 'node:fs'
import type { Measurement } from './report.ts'
import type { WalIndex } from './sqlite-wal-index.ts'

/** A file's size in MB, 0 when it does not exist. */
function sizeMb(file: string): number {
  try {
    return statSync(file).size / 1_048_576
  } catch {
    return 0
  }
}

/** The rounds log's words on a SQLite gateway's WAL: frames before → after (copied), restarts, file size. */
export function walWords(
  databaseFile: string,
  before: WalIndex | undefined,
  after: WalIndex | undefined,
): string {
  if (before === undefined || after === undefined) return '  WAL -'
  const restarted = after.frames < before.frames ? ' restarted' : ''
  return `  WAL frames ${before.frames}→${after.frames} (${after.backfilled} copied)${restarted}, file ${sizeMb(`${databaseFile}-wal`).toFixed(1)} MB`
}

/** Writes one round's line. */
export function logRound(round: number, row: Measurement, wal: string): void {
  const services = row.services
  process.stderr.write(
    `  round ${round} ${row.mode} c=${row.connections} ${row.target.padEnd(10)} ${String(row.rps).padStart(6)} rps  ${row.cpuUs.toFixed(0).padStart(4)} µs CPU/req  ${(row.cpuShare * 100).toFixed(0).padStart(3)} % of a core  ${row.allocKb.toFixed(1).padStart(5)} KB/req  GCs ${row.minorGcs} minor ${row.majorGcs} major ${row.gcUs.toFixed(1)} µs/req  storage ${row.storageRequestRoundTrips.toFixed(3)} + ${row.storageBackgroundRoundTrips.toFixed(3)} rt/req  threads µs/req ${Object.entries(
      row.threadCpuUs,
    )
      .filter(([, used]) => used >= 0.05)
      .map(([name, used]) => `${name.replaceAll(' ', '_')} ${used.toFixed(1)}`)
      .join(
        ', ',
      )}${wal}${services === undefined ? '' : `  pg ${services.pgCpuUs.toFixed(0)}+${services.pgBackgroundCpuUs.toFixed(0)} µs ${services.pgRoundTrips.toFixed(3)} rt  redis ${services.redisCpuUs.toFixed(0)} µs`}\n`,
  )
}

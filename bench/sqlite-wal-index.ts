/**
 * Reads a SQLite database's WAL index (the `-shm` file) from outside the process that writes
 * it: how many frames the write-ahead log holds (`mxFrame`) and how many of them a checkpoint
 * has copied into the database (`nBackfill`). When a writer starts after every frame was copied,
 * SQLite restarts the log from its beginning and `mxFrame` falls back to a few frames; while
 * commits keep landing during the checkpoints, the log only grows.
 *
 * Layout: two copies of the 48-byte index header (`mxFrame` at byte 16 of the first), then the
 * checkpoint info (`nBackfill` at byte 96), all in the machine's byte order (little-endian here).
 *
 * @module
 * @see https://www.sqlite.org/walformat.html#the_wal_index_file_format
 */
import { readFileSync } from 'node:fs'

export interface WalIndex {
  /** Frames in the log (pages written since its last restart). */
  frames: number
  /** Frames a checkpoint has copied into the database file. */
  backfilled: number
}

/** Parses the start of a `-shm` file. */
export function parseWalIndex(shm: Buffer): WalIndex {
  if (shm.length < 100) throw new Error('not a WAL index: shorter than its headers')
  return { frames: shm.readUInt32LE(16), backfilled: shm.readUInt32LE(96) }
}

/** The WAL index of the database at `path` (`<path>-shm`), or undefined when there is none. */
export function readWalIndex(path: string): WalIndex | undefined {
  try {
    return parseWalIndex(readFileSync(`${path}-shm`))
  } catch {
    return undefined
  }
}

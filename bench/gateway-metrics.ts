/**
 * Reads the gateway's own counters from its `/metrics` page: the storage round trips it made
 * (`onekey_storage_round_trips_total`), split into those on a request's path and those in the
 * background (settlement and request-log batches, upkeep).
 *
 * @module
 */

/** Storage round trips so far (PostgreSQL: statements, BEGIN and COMMIT included). */
export interface StorageRoundTrips {
  request: number
  background: number
}

const SERIES = /^onekey_storage_round_trips_total\{([^}]*)\}\s+(\S+)/gm

/** The round-trip counters of one `/metrics` page (summed over backends); zero when absent. */
export function storageRoundTrips(page: string): StorageRoundTrips {
  const totals: StorageRoundTrips = { request: 0, background: 0 }
  for (const [, labels, value] of page.matchAll(SERIES)) {
    const path = /(?:^|,)path="([^"]*)"/.exec(labels!)?.[1]
    if (path === 'request' || path === 'background') totals[path] += Number(value)
  }
  return totals
}

/** Sums the counters of every gateway's `/metrics` (`NaN`s when a page cannot be read). */
export async function readStorageRoundTrips(metricsUrls: readonly string[]): Promise<StorageRoundTrips> {
  const totals: StorageRoundTrips = { request: 0, background: 0 }
  for (const url of metricsUrls) {
    try {
      const one = storageRoundTrips(await (await fetch(url)).text())
      totals.request += one.request
      totals.background += one.background
    } catch {
      return { request: Number.NaN, background: Number.NaN }
    }
  }
  return totals
}

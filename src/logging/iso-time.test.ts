import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isoNow, isoTime } from './iso-time.ts'

describe('isoTime', () => {
  it('matches Date#toISOString across minutes, seconds and milliseconds', () => {
    const start = Date.UTC(2026, 10, 30, 23, 58, 59, 990)
    // Every millisecond across a minute, an hour and a day boundary, in and out of order.
    for (let offset = 0; offset < 90_000; offset += 7) {
      const ms = start + offset
      assert.equal(isoTime(ms), new Date(ms).toISOString())
    }
    for (const ms of [start + 61_000, start - 3_600_000, start + 1, start]) {
      assert.equal(isoTime(ms), new Date(ms).toISOString())
    }
  })

  it('matches at the edges: epoch, leap day, year 9999, and outside the fast range', () => {
    for (const ms of [
      0,
      999,
      Date.UTC(2028, 1, 29, 12, 0, 0, 5),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      -1,
      -86_400_000,
      Date.UTC(10_000, 0, 1),
      1.5,
    ]) {
      assert.equal(isoTime(ms), new Date(ms).toISOString())
    }
  })

  it('random instants', () => {
    for (let index = 0; index < 20_000; index++) {
      const ms = Math.floor(Math.random() * 4_102_444_800_000)
      assert.equal(isoTime(ms), new Date(ms).toISOString())
    }
  })

  it('isoNow is now', () => {
    const before = Date.now()
    const text = isoNow()
    const after = Date.now()
    const parsed = Date.parse(text)
    assert.ok(parsed >= before && parsed <= after)
  })
})

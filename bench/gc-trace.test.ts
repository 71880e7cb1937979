import assert from 'node:assert/strict'
import { test } from 'node:test'
import { gcWindow } from './gc-trace.ts'

test('allocation is the heap growth between collections, within the window only', () => {
  const trace = [
    '{"level":"info","msg":"listening"}',
    // A worker thread's isolate (its own heap and clock): not the main thread's allocation.
    '[1:0x7f00]      180 ms: Mark-Compact 4.3 (6.3) -> 3.8 (8.8) MB, pooled: 0 MB, 29.61 / 0.00 ms  (average mu = 0.939) background allocation failure;',
    '[1:0x7f00]      250 ms: Mark-Compact (reduce) 5.7 (9.8) -> 5.0 (6.5) MB, pooled: 0 MB, 241.24 / 0.00 ms  (+ 5.4 ms in 13 steps) memory reducer;',
    '[1:0x1]      100 ms: Scavenge 10.0 (12.0) -> 8.0 (12.0) MB, pooled: 0 MB, 1.00 / 0.00 ms  (average mu = 1.0) allocation failure;',
    '[1:0x1]      200 ms: Scavenge 12.0 (14.0) -> 9.0 (14.0) MB, pooled: 0 MB, 2.00 / 0.00 ms  (average mu = 1.0) allocation failure;',
    '[1:0x1]      300 ms: Mark-Compact 13.5 (16.0) -> 7.0 (12.0) MB, pooled: 1 MB, 4.00 / 0.00 ms  (+ 0.4 ms in 28 steps) finalize;',
    '[1:0x1]      400 ms: Scavenge 11.0 (14.0) -> 8.5 (14.0) MB, pooled: 0 MB, 1.50 / 0.00 ms  (average mu = 1.0) task;',
    '[1:0x1]      500 ms: Mark-Compact (reduce) 9.0 (14.0) -> 6.0 (10.0) MB, pooled: 0 MB, 3.00 / 0.00 ms  memory reducer;',
  ].join('\n')
  const window = gcWindow(trace, 150, 350)
  assert.equal(window.allocatedMb, 12.0 - 8.0 + (13.5 - 9.0))
  assert.equal(window.pauseMs, 2 + 4)
  assert.equal(window.minorGcs, 1)
  assert.equal(window.majorGcs, 1)
  assert.deepEqual(gcWindow(trace, 0, 50), { allocatedMb: 0, pauseMs: 0, minorGcs: 0, majorGcs: 0 })
  // A full collection the memory reducer started counts as one.
  assert.deepEqual(gcWindow(trace, 450, 600), {
    allocatedMb: 9.0 - 8.5,
    pauseMs: 3,
    minorGcs: 0,
    majorGcs: 1,
  })
})

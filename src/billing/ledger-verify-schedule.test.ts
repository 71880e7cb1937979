import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLogger } from '../logging/logger.ts'
import { createStore } from '../storage/create-store.ts'
import { scheduleLedgerVerify, usageCheckedSince } from './ledger-verify-schedule.ts'

function capturingLogger() {
  const lines: Record<string, unknown>[] = []
  const logger = createLogger({
    level: 'debug',
    batchMs: 0,
    write: (text) => {
      for (const line of text.split('\n')) if (line) lines.push(JSON.parse(line))
    },
  })
  return { logger, lines }
}

test('the periodic check reports mismatches by kind and when it last completed; a failed check keeps the last success', async (t) => {
  const store = await createStore({ kind: 'sqlite', path: ':memory:' })
  await store.migrate()
  t.after(() => store.close().catch(() => {}))
  const { logger, lines } = capturingLogger()
  const schedule = scheduleLedgerVerify({ ledger: store.ledger, logger, intervalMs: 0, retentionDays: 0 })
  assert.deepEqual(schedule.mismatches(), { balance: 0, usage: 0, budget: 0 })
  assert.equal(schedule.lastSuccessSeconds(), 0, 'no check yet')

  await schedule.runOnce()
  const first = schedule.lastSuccessSeconds()
  assert.ok(Math.abs(first - Date.now() / 1000) < 2)
  assert.deepEqual(schedule.mismatches(), { balance: 0, usage: 0, budget: 0 })

  // A charged request-log row that names no usage entry: money taken that the ledger never saw.
  const at = new Date().toISOString()
  await store.workspaces.create({ id: 'ws', name: 'ws', createdAt: at })
  await store.requestLogs.insertMany([
    {
      id: 'gen_stray',
      requestId: 'req_stray',
      workspaceId: 'ws',
      keyId: 'key',
      model: 'm',
      lane: 'cheap',
      provider: 'p',
      upstreamModel: 'u',
      stream: false,
      status: 200,
      errorCode: null,
      promptTokens: 1,
      completionTokens: 1,
      cachedTokens: 0,
      costNano: 5,
      chargedNano: 5,
      ledgerEntryId: null,
      latencyMs: 1,
      firstByteMs: null,
      finishReason: 'stop',
      usageSource: 'upstream',
      createdAt: at,
    },
  ])
  await schedule.runOnce()
  assert.deepEqual(schedule.mismatches(), { balance: 0, usage: 1, budget: 0 })
  logger.flush()
  const found = lines.find((line) => String(line.msg).startsWith('ledger verify found mismatches'))
  assert.equal(found?.level, 'error')
  assert.equal(found?.usage, 1)

  // Storage gone: the check fails, the last success and its findings stay.
  await store.close()
  const before = schedule.lastSuccessSeconds()
  await schedule.runOnce()
  assert.equal(schedule.lastSuccessSeconds(), before)
  assert.deepEqual(schedule.mismatches(), { balance: 0, usage: 1, budget: 0 })
  logger.flush()
  assert.equal(lines.at(-1)?.msg, 'ledger verify failed')
  await schedule.close()
})

test('on a timer: the first check after its delay, then every interval; close stops it', async (t) => {
  const store = await createStore({ kind: 'sqlite', path: ':memory:' })
  await store.migrate()
  t.after(() => store.close())
  let checks = 0
  const ledger = {
    verify: (options?: { usageSince?: string | undefined }) => {
      checks++
      return store.ledger.verify(options)
    },
  }
  const { logger } = capturingLogger()
  const schedule = scheduleLedgerVerify({ ledger, logger, intervalMs: 40, retentionDays: 0, firstDelayMs: 0 })
  await sleep(110)
  await schedule.close()
  assert.ok(checks >= 2 && checks <= 4, `${checks} checks`)
  assert.ok(schedule.lastSuccessSeconds() > 0)
  const after = checks
  await sleep(60)
  assert.equal(checks, after, 'no check after close')
})

test('usage entries are checked within the request-log retention', () => {
  const now = Date.parse('2026-03-10T12:00:00.000Z')
  assert.equal(usageCheckedSince(0, now), undefined)
  assert.equal(usageCheckedSince(30, now), '2026-02-09T12:00:00.000Z')
})

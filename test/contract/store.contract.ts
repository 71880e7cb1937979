/**
 * The contract every {@link Store} implementation must meet; run against SQLite always and
 * PostgreSQL in CI (undici's cacheStoreTests pattern).
 *
 * @module
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  type ApiKeyRecord,
  InsufficientFundsError,
  type NewLedgerEntry,
  type RequestLogRecord,
  type Store,
} from '../../src/storage/store.ts'

export interface StoreContractOptions {
  skip?: string | false | (() => Promise<string | false>)
}

function apiKey(
  overrides: Partial<ApiKeyRecord> & Pick<ApiKeyRecord, 'id' | 'hash' | 'workspaceId'>,
): ApiKeyRecord {
  return {
    name: 'test',
    prefix: 'okm-sk-abcd',
    createdAt: '2026-11-22T10:00:00.000Z',
    lastUsedAt: null,
    expiresAt: null,
    revokedAt: null,
    allowedLanes: null,
    allowedModels: null,
    management: false,
    limits: { rpm: null, tpm: null, concurrency: null },
    ...overrides,
  }
}

/** The log row a settlement carries (its charge and entry are filled in by the settlement). */
function settledRow(id: string, workspaceId: string, costNano: number): RequestLogRecord {
  return {
    id,
    requestId: `req_${id}`,
    workspaceId,
    keyId: 'key_1',
    model: 'm',
    lane: 'cheap',
    provider: 'p',
    upstreamModel: 'u',
    stream: false,
    status: 200,
    errorCode: null,
    promptTokens: 10,
    completionTokens: 5,
    cachedTokens: 0,
    costNano,
    chargedNano: 0,
    ledgerEntryId: null,
    latencyMs: 3,
    firstByteMs: null,
    finishReason: 'stop',
    usageSource: 'upstream',
    createdAt: '2026-11-23T10:00:00.000Z',
  }
}

export function describeStoreContract(
  name: string,
  makeStore: () => Promise<Store>,
  destroy: (store: Store) => Promise<void> = (store) => store.close(),
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store
    before(async () => {
      store = await makeStore()
      await store.migrate()
    })
    after(async () => {
      if (store) await destroy(store)
    })

    test('migrate is idempotent and ping answers', async () => {
      await store.migrate()
      await store.ping()
    })

    test('workspaces: create, find by id or name, list in creation order', async () => {
      await store.workspaces.create({ id: 'ws_a', name: 'acme', createdAt: '2026-11-22T10:00:00.000Z' })
      await store.workspaces.create({ id: 'ws_b', name: 'beta', createdAt: '2026-11-22T11:00:00.000Z' })
      assert.deepEqual(await store.workspaces.find('ws_a'), {
        id: 'ws_a',
        name: 'acme',
        createdAt: '2026-11-22T10:00:00.000Z',
        defaultLane: null,
        denyDataCollection: false,
        tier: null,
        limits: { rpm: null, tpm: null, concurrency: null },
        promptCache: true,
      })
      assert.equal((await store.workspaces.find('beta'))?.id, 'ws_b')
      assert.equal(await store.workspaces.find('nope'), undefined)
      assert.deepEqual(
        (await store.workspaces.list()).map((workspace) => workspace.id),
        ['ws_a', 'ws_b'],
      )
    })

    test('workspaces: names are unique', async () => {
      await assert.rejects(
        store.workspaces.create({ id: 'ws_c', name: 'acme', createdAt: '2026-11-22T12:00:00.000Z' }),
      )
    })

    test('api keys: create, find by hash and id, list per workspace', async () => {
      await store.apiKeys.create(
        apiKey({ id: 'key_1', hash: 'h1', workspaceId: 'ws_a', expiresAt: '2027-01-01T00:00:00.000Z' }),
      )
      await store.apiKeys.create(
        apiKey({ id: 'key_2', hash: 'h2', workspaceId: 'ws_b', createdAt: '2026-11-22T10:30:00.000Z' }),
      )
      const found = await store.apiKeys.findByHash('h1')
      assert.equal(found?.key.id, 'key_1')
      assert.equal(found?.key.expiresAt, '2027-01-01T00:00:00.000Z')
      assert.equal(found?.key.revokedAt, null)
      assert.equal(found?.workspace.name, 'acme', 'the workspace comes with the key')
      assert.equal((await store.apiKeys.find('key_2'))?.hash, 'h2')
      assert.equal(await store.apiKeys.findByHash('missing'), undefined)
      assert.deepEqual(
        (await store.apiKeys.list('ws_a')).map((key) => key.id),
        ['key_1'],
      )
      assert.deepEqual(
        (await store.apiKeys.list()).map((key) => key.id),
        ['key_1', 'key_2'],
      )
    })

    test('api keys: lane and model restrictions and the management flag round-trip', async () => {
      await store.apiKeys.create(
        apiKey({
          id: 'key_r',
          hash: 'hr',
          workspaceId: 'ws_b',
          allowedLanes: ['cheap', 'byok'],
          allowedModels: ['gpt-4o*', 'cheap/*'],
          management: true,
        }),
      )
      const found = (await store.apiKeys.findByHash('hr'))!.key
      assert.deepEqual(found.allowedLanes, ['cheap', 'byok'])
      assert.deepEqual(found.allowedModels, ['gpt-4o*', 'cheap/*'])
      assert.equal(found.management, true)
      assert.equal((await store.apiKeys.find('key_1'))!.management, false)
    })

    test('workspaces: settings update and show through the key lookup', async () => {
      assert.equal(
        await store.workspaces.updateSettings('ws_b', { defaultLane: 'resale', denyDataCollection: true }),
        true,
      )
      const found = (await store.apiKeys.findByHash('hr'))!.workspace
      assert.equal(found.defaultLane, 'resale')
      assert.equal(found.denyDataCollection, true)
      await store.workspaces.updateSettings('ws_b', { denyDataCollection: false })
      assert.equal((await store.workspaces.find('ws_b'))!.defaultLane, 'resale', 'untouched settings stay')
      assert.equal((await store.workspaces.find('ws_b'))!.denyDataCollection, false)
      assert.equal(await store.workspaces.updateSettings('ws_missing', { defaultLane: 'cheap' }), false)
    })

    test('byok credentials: upsert per workspace and provider, list, count by key, conditional replace, delete', async () => {
      const record = {
        workspaceId: 'ws_a',
        provider: 'openai',
        ciphertext: 'v1.k1.aaa',
        keyId: 'k1',
        hint: 'sk-…abcd',
        createdAt: '2026-11-22T10:00:00.000Z',
        updatedAt: '2026-11-22T10:00:00.000Z',
      }
      await store.byokCredentials.put(record)
      await store.byokCredentials.put({
        ...record,
        provider: 'anthropic',
        ciphertext: 'v1.k2.bbb',
        keyId: 'k2',
      })
      await store.byokCredentials.put({
        ...record,
        ciphertext: 'v1.k1.ccc',
        updatedAt: '2026-11-22T11:00:00.000Z',
      })
      assert.deepEqual(
        (await store.byokCredentials.list('ws_a')).map((item) => [item.provider, item.ciphertext]),
        [
          ['anthropic', 'v1.k2.bbb'],
          ['openai', 'v1.k1.ccc'],
        ],
      )
      assert.deepEqual(await store.byokCredentials.list('ws_b'), [])
      assert.deepEqual(Object.fromEntries(await store.byokCredentials.countByKeyId()), { k1: 1, k2: 1 })
      const stale = await store.byokCredentials.listNotEncryptedWith('k1')
      assert.deepEqual(
        stale.map((item) => item.provider),
        ['anthropic'],
      )
      assert.equal(
        await store.byokCredentials.replaceCiphertext(
          { ...stale[0]!, ciphertext: 'v1.k1.ddd', keyId: 'k1' },
          'v1.k2.old',
        ),
        false,
        'a changed row is not overwritten',
      )
      assert.equal(
        await store.byokCredentials.replaceCiphertext(
          { ...stale[0]!, ciphertext: 'v1.k1.ddd', keyId: 'k1' },
          'v1.k2.bbb',
        ),
        true,
      )
      assert.equal((await store.byokCredentials.find('ws_a', 'anthropic'))?.keyId, 'k1')
      assert.equal(await store.byokCredentials.delete('ws_a', 'anthropic'), true)
      assert.equal(await store.byokCredentials.delete('ws_a', 'anthropic'), false)
      assert.equal(await store.byokCredentials.find('ws_a', 'anthropic'), undefined)
    })

    test('api keys: hashes are unique and the workspace must exist', async () => {
      await assert.rejects(store.apiKeys.create(apiKey({ id: 'key_3', hash: 'h1', workspaceId: 'ws_a' })))
      await assert.rejects(
        store.apiKeys.create(apiKey({ id: 'key_4', hash: 'h4', workspaceId: 'ws_missing' })),
      )
    })

    test('api keys: revoke happens once', async () => {
      assert.equal(await store.apiKeys.revoke('key_2', '2026-11-22T13:00:00.000Z'), true)
      assert.equal(await store.apiKeys.revoke('key_2', '2026-11-22T14:00:00.000Z'), false)
      assert.equal(await store.apiKeys.revoke('key_missing', '2026-11-22T14:00:00.000Z'), false)
      assert.equal((await store.apiKeys.find('key_2'))?.revokedAt, '2026-11-22T13:00:00.000Z')
    })

    test('api keys: touch records last use, later times win', async () => {
      await store.apiKeys.touch(new Map([['key_1', '2026-11-22T15:00:00.000Z']]))
      await store.apiKeys.touch(
        new Map([
          ['key_1', '2026-11-22T14:00:00.000Z'],
          ['key_2', '2026-11-22T16:00:00.000Z'],
        ]),
      )
      assert.equal((await store.apiKeys.find('key_1'))?.lastUsedAt, '2026-11-22T15:00:00.000Z')
      assert.equal((await store.apiKeys.find('key_2'))?.lastUsedAt, '2026-11-22T16:00:00.000Z')
      await store.apiKeys.touch(new Map())
    })

    const T = '2026-11-23T10:00:00.000Z'
    const entry = (
      overrides: Partial<NewLedgerEntry> & Pick<NewLedgerEntry, 'id' | 'amountNano'>,
    ): NewLedgerEntry => ({
      workspaceId: 'ws_money',
      kind: 'purchase',
      reason: 'test',
      actor: 'test',
      idempotencyKey: null,
      requestId: null,
      createdAt: T,
      ...overrides,
    })

    test('ledger: entries move the balance; idempotency keys make replays harmless', async () => {
      await store.workspaces.create({ id: 'ws_money', name: 'money', createdAt: T })
      await store.ledger.open('ws_money', T)
      const first = await store.ledger.append([
        entry({ id: 'le_1', amountNano: 10_000_000_000, idempotencyKey: 'topup-1' }),
        entry({ id: 'le_2', kind: 'purchase_fee', amountNano: -850_000_000, idempotencyKey: 'topup-1:fee' }),
      ])
      assert.equal(first.replayed, false)
      assert.deepEqual(
        first.entries.map((item) => item.balanceAfterNano),
        [10_000_000_000, 9_150_000_000],
      )
      const replay = await store.ledger.append([
        entry({ id: 'le_3', amountNano: 10_000_000_000, idempotencyKey: 'topup-1' }),
        entry({ id: 'le_4', kind: 'purchase_fee', amountNano: -850_000_000, idempotencyKey: 'topup-1:fee' }),
      ])
      assert.equal(replay.replayed, true)
      assert.deepEqual(
        replay.entries.map((item) => item.id),
        ['le_1', 'le_2'],
      )
      assert.deepEqual(await store.ledger.balance('ws_money'), { balanceNano: 9_150_000_000, heldNano: 0 })
      await assert.rejects(
        store.ledger.append([entry({ id: 'le_5', kind: 'adjustment', amountNano: -10_000_000_000 })]),
        (error: unknown) => error instanceof InsufficientFundsError && error.availableNano === 9_150_000_000,
      )
      assert.deepEqual(
        (await store.ledger.list('ws_money', { limit: 1 })).map((item) => item.id),
        ['le_2'],
      )
      assert.deepEqual(
        (await store.ledger.list('ws_money', { limit: 5, before: 'le_2' })).map((item) => item.id),
        ['le_1'],
      )
    })

    test('holds: concurrent reservations never overspend; settlements charge at most the hold plus free balance; silent instances are reclaimed', async () => {
      // The race: six batches from two instances at once, exactly ten holds of 100 fit in 1000.
      await store.workspaces.create({ id: 'ws_race', name: 'race', createdAt: T })
      await store.ledger.append([entry({ id: 'le_race', workspaceId: 'ws_race', amountNano: 1_000 })])
      const raced = { workspaceId: 'ws_race', amountNano: 100 }
      const results = (
        await Promise.all(
          Array.from({ length: 6 }, (_, index) =>
            store.ledger.reserveMany(
              index % 2 === 0 ? 'gw_a' : 'gw_b',
              [raced, raced, raced, raced, raced],
              T,
            ),
          ),
        )
      ).flat()
      assert.equal(results.filter((result) => result.reserved).length, 10, 'exactly what the balance covers')
      assert.deepEqual(
        results.find((result) => !result.reserved),
        { reserved: false, availableNano: 0 },
      )
      assert.deepEqual(await store.ledger.balance('ws_race'), { balanceNano: 1_000, heldNano: 1_000 })

      await store.workspaces.create({ id: 'ws_holds', name: 'holds', createdAt: T })
      await store.ledger.append([entry({ id: 'le_h1', workspaceId: 'ws_holds', amountNano: 1_000 })])
      const hold = { workspaceId: 'ws_holds', amountNano: 100 }
      await store.ledger.reserveMany('gw_a', [hold, hold, hold, hold, hold], T)
      await store.ledger.reserveMany('gw_b', [hold, hold, hold, hold, hold, hold], T)
      assert.deepEqual(await store.ledger.balance('ws_holds'), { balanceNano: 1_000, heldNano: 1_000 })

      const settlement = (costNano: number, key: string) => ({
        workspaceId: 'ws_holds',
        holdNano: 100,
        costNano,
        entryId: `le_${key}`,
        record: settledRow(`gen_${key}`, 'ws_holds', costNano),
        at: T,
      })
      const [plain, capped] = await store.ledger.settleMany('gw_a', [
        settlement(60, 'c1'),
        settlement(500, 'c2'),
      ])
      assert.deepEqual(plain, { chargedNano: 60 })
      // after the first: 940 left, 900 held → free 40; a 500 cost on a 100 hold is capped at 140
      assert.deepEqual(capped, { chargedNano: 140 })
      assert.deepEqual(await store.ledger.balance('ws_holds'), { balanceNano: 800, heldNano: 800 })
      // One usage entry for the batch in this workspace; each request's charge is on its row.
      const usage = (await store.ledger.list('ws_holds', { limit: 10 })).find((item) => item.kind === 'usage')
      assert.deepEqual(
        [usage?.id, usage?.kind, usage?.amountNano, usage?.balanceAfterNano, usage?.requestId],
        ['le_c1', 'usage', -200, 800, null],
      )
      const [first, second] = [
        await store.requestLogs.find('ws_holds', 'gen_c1'),
        await store.requestLogs.find('ws_holds', 'gen_c2'),
      ]
      assert.deepEqual([first?.costNano, first?.chargedNano, first?.ledgerEntryId], [60, 60, 'le_c1'])
      assert.deepEqual(
        [second?.costNano, second?.chargedNano, second?.ledgerEntryId],
        [500, 140, 'le_c1'],
        'the row keeps what the request cost and what the balance covered',
      )
      // A replayed settlement charges nothing twice: its rows exist, so the transaction fails whole.
      await assert.rejects(store.ledger.settleMany('gw_a', [settlement(60, 'c1')]))
      assert.deepEqual(await store.ledger.balance('ws_holds'), { balanceNano: 800, heldNano: 800 })
      await store.ledger.releaseMany('gw_a', [{ workspaceId: 'ws_holds', amountNano: 100 }], T)
      assert.deepEqual(await store.ledger.balance('ws_holds'), { balanceNano: 800, heldNano: 700 })

      // gw_b goes silent; gw_a keeps beating: only gw_b's holds come back.
      await store.ledger.heartbeat('gw_a', '2026-11-23T10:10:00.000Z')
      const reclaimed = (await store.ledger.reclaimStale('2026-11-23T10:05:00.000Z')).filter(
        (item) => item.workspaceId === 'ws_holds',
      )
      assert.deepEqual(
        reclaimed.map((item) => item.instanceId),
        ['gw_b'],
      )
      const held = (await store.ledger.balance('ws_holds')).heldNano
      assert.equal(reclaimed[0]!.heldNano, 500)
      assert.equal(held, 200, "gw_a's two remaining holds")
      // A settlement from the reclaimed instance is still charged, from the free balance only.
      const [late] = await store.ledger.settleMany('gw_b', [settlement(50, 'c3')])
      assert.deepEqual(late, { chargedNano: 50 })
      assert.deepEqual(await store.ledger.balance('ws_holds'), { balanceNano: 750, heldNano: held })
      assert.deepEqual(
        await store.ledger.verify(),
        [],
        'balances reconcile with the ledger, holds and lots; usage entries with their rows',
      )
      // A usage entry that disagrees with its rows is found (rows past retention are not checked).
      await store.requestLogs.insertMany([
        {
          ...settledRow('gen_stray', 'ws_holds', 5),
          chargedNano: 5,
          ledgerEntryId: 'le_c3',
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      ])
      assert.deepEqual(await store.ledger.verify(), [
        { kind: 'usage', workspaceId: 'ws_holds', entryId: 'le_c3', entryNano: 50, rowsNano: 55 },
      ])
      assert.deepEqual(await store.ledger.verify({ usageSince: '2026-11-24T00:00:00.000Z' }), [])
      assert.equal(await store.requestLogs.deleteOlderThan('2026-01-02T00:00:00.000Z', 10), 1)
      assert.deepEqual(await store.ledger.verify(), [])
      assert.deepEqual(await store.ledger.reclaimStale('2026-11-23T10:05:00.000Z'), [])
    })

    test('credit lots: debits consume the soonest-expiring credit first; expiry never eats into holds', async () => {
      await store.workspaces.create({ id: 'ws_lots', name: 'lots', createdAt: T })
      const credit = (id: string, amountNano: number, creditExpiresAt: string | null) =>
        store.ledger.append([
          entry({
            id,
            workspaceId: 'ws_lots',
            amountNano,
            creditExpiresAt,
            kind: creditExpiresAt ? 'purchase' : 'adjustment',
          }),
        ])
      await credit('le_lot_a', 100, '2026-11-23T12:00:00.000Z')
      await credit('le_lot_b', 50, null)
      await credit('le_lot_c', 30, '2026-11-23T11:00:00.000Z')
      await store.ledger.append([
        entry({ id: 'le_lot_debit', workspaceId: 'ws_lots', kind: 'adjustment', amountNano: -40 }),
      ])
      assert.deepEqual(
        await store.ledger.expireCredits('2026-11-23T11:30:00.000Z', 10),
        [],
        'C was spent first',
      )
      const expired = await store.ledger.expireCredits('2026-11-23T12:30:00.000Z', 10)
      assert.deepEqual(
        expired.map((item) => [item.kind, item.amountNano]),
        [['expiry', -90]],
        'what is left of A expires; B never does',
      )
      assert.deepEqual(await store.ledger.balance('ws_lots'), { balanceNano: 50, heldNano: 0 })

      await credit('le_lot_d', 20, '2026-11-23T13:00:00.000Z')
      await store.ledger.reserveMany('gw_lots', [{ workspaceId: 'ws_lots', amountNano: 60 }], T)
      const partly = await store.ledger.expireCredits('2026-11-23T13:30:00.000Z', 10)
      assert.deepEqual(
        partly.map((item) => item.amountNano),
        [-10],
        'only what the hold does not need',
      )
      await store.ledger.releaseMany('gw_lots', [{ workspaceId: 'ws_lots', amountNano: 60 }], T)
      const rest = await store.ledger.expireCredits('2026-11-23T13:31:00.000Z', 10)
      assert.deepEqual(
        rest.map((item) => item.amountNano),
        [-10],
      )
      assert.deepEqual(await store.ledger.balance('ws_lots'), { balanceNano: 50, heldNano: 0 })
      assert.deepEqual(await store.ledger.verify(), [])
    })

    test('credit codes: single use under concurrency, replay-safe, expiring', async () => {
      await store.ledger.createCodes([
        {
          codeHash: 'c1',
          prefix: 'OKC-AAAA',
          batchId: 'b',
          amountNano: 5_000,
          expiresAt: null,
          createdAt: T,
        },
        {
          codeHash: 'c2',
          prefix: 'OKC-BBBB',
          batchId: 'b',
          amountNano: 5_000,
          expiresAt: '2026-11-23T09:00:00.000Z',
          createdAt: T,
        },
      ])
      const redeem = (workspaceId: string, codeHash: string, entryId: string) =>
        store.ledger.redeemCode({
          codeHash,
          workspaceId,
          entryId,
          actor: 'test',
          at: T,
          creditExpiresAt: null,
        })
      const before = await store.ledger.balance('ws_money')
      const race = await Promise.all([redeem('ws_money', 'c1', 'le_r1'), redeem('ws_holds', 'c1', 'le_r2')])
      assert.deepEqual(
        race.map((result) => result.status).sort(),
        ['redeemed', 'used'],
        'exactly one workspace gets it',
      )
      const winner = race[0]!.status === 'redeemed' ? 'ws_money' : 'ws_holds'
      const replay = await redeem(winner, 'c1', 'le_r3')
      assert.equal(replay.status, 'replayed')
      assert.equal('entry' in replay && replay.entry.amountNano, 5_000)
      assert.equal((await redeem('ws_money', 'c2', 'le_r4')).status, 'expired')
      assert.equal((await redeem('ws_money', 'nope', 'le_r5')).status, 'unknown')
      if (winner === 'ws_money') {
        assert.equal((await store.ledger.balance('ws_money')).balanceNano, before.balanceNano + 5_000)
      }
      assert.deepEqual(await store.ledger.verify(), [])
    })

    test('request logs: batched insert, workspace-scoped reads, daily activity, retention', async () => {
      const row = (id: string, overrides: Partial<RequestLogRecord> = {}): RequestLogRecord => ({
        id,
        requestId: `req_${id}`,
        workspaceId: 'ws_money',
        keyId: 'key_1',
        model: 'm',
        lane: 'cheap',
        provider: 'p',
        upstreamModel: 'u',
        stream: false,
        status: 200,
        errorCode: null,
        promptTokens: 10,
        completionTokens: 5,
        cachedTokens: 0,
        costNano: 1_000,
        chargedNano: 0,
        ledgerEntryId: null,
        latencyMs: 12,
        firstByteMs: null,
        finishReason: 'stop',
        usageSource: 'upstream',
        createdAt: '2026-11-22T10:00:00.000Z',
        ...overrides,
      })
      await store.requestLogs.insertMany([
        row('g1'),
        row('g2', { lane: 'resale', model: 'n', createdAt: '2026-11-23T09:00:00.000Z' }),
        row('g3', { workspaceId: 'ws_holds', createdAt: '2026-11-23T09:30:00.000Z' }),
      ])
      await store.requestLogs.insertMany([row('g1')])
      assert.equal((await store.requestLogs.find('ws_money', 'g2'))?.lane, 'resale')
      assert.equal(
        await store.requestLogs.find('ws_money', 'g3'),
        undefined,
        'another workspace never sees it',
      )
      assert.deepEqual(
        (await store.requestLogs.list('ws_money', { limit: 10 })).map((item) => item.id),
        ['g2', 'g1'],
      )
      assert.deepEqual(
        (await store.requestLogs.list('ws_money', { limit: 10, lane: 'cheap' })).map((item) => item.id),
        ['g1'],
      )
      const activity = await store.requestLogs.activity('ws_money', '2026-11-01T00:00:00.000Z', 'lane')
      assert.deepEqual(activity, [
        {
          day: '2026-11-22',
          group: 'cheap',
          requests: 1,
          promptTokens: 10,
          completionTokens: 5,
          costNano: 1_000,
        },
        {
          day: '2026-11-23',
          group: 'resale',
          requests: 1,
          promptTokens: 10,
          completionTokens: 5,
          costNano: 1_000,
        },
      ])
      assert.equal(await store.requestLogs.deleteOlderThan('2026-11-23T00:00:00.000Z', 100), 1)
      assert.equal(await store.requestLogs.find('ws_money', 'g1'), undefined)
    })

    test('request logs: a batch of several statements lands whole or not at all; replays add nothing; long text is cut to fit', async () => {
      // 450 rows: several statements on either engine (64 rows each on SQLite, 200 on PostgreSQL).
      const rows: RequestLogRecord[] = Array.from({ length: 450 }, (_, index) => ({
        id: `batch_${index}`,
        requestId: `req_batch_${index}`,
        workspaceId: 'ws_batch',
        keyId: 'key_1',
        model: 'm',
        lane: 'cheap',
        provider: 'p',
        upstreamModel: 'u',
        stream: index % 2 === 0,
        status: 200,
        errorCode: null,
        promptTokens: 3,
        completionTokens: 2,
        cachedTokens: 0,
        costNano: 7,
        chargedNano: 0,
        ledgerEntryId: null,
        latencyMs: 1,
        firstByteMs: null,
        finishReason: 'stop',
        usageSource: 'upstream',
        createdAt: '2026-11-24T08:00:00.000Z',
      }))
      const count = async () =>
        (await store.requestLogs.activity('ws_batch', '2026-11-01T00:00:00.000Z', 'lane')).map((day) => [
          day.requests,
          day.costNano,
        ])
      // A row the table refuses, in the last statement: the statements before it are undone too.
      const refused = rows.map((row, index) =>
        index === 449 ? { ...row, keyId: null as unknown as string } : row,
      )
      await assert.rejects(store.requestLogs.insertMany(refused))
      assert.deepEqual(await count(), [], 'all or nothing')
      await store.requestLogs.insertMany(rows)
      assert.deepEqual(await count(), [[450, 450 * 7]])
      await store.requestLogs.insertMany([...rows, { ...rows[0]!, id: 'batch_new' }])
      assert.deepEqual(await count(), [[451, 451 * 7]], 'a replayed row is ignored, a new one lands')
      assert.equal((await store.requestLogs.find('ws_batch', 'batch_449'))?.stream, false)
      // Text from outside (an upstream's finish_reason, a long model ID) is cut to fit, never refused.
      await store.requestLogs.insertMany([
        { ...rows[0]!, id: 'batch_long', finishReason: 'x'.repeat(40), upstreamModel: 'm'.repeat(300) },
      ])
      const long = await store.requestLogs.find('ws_batch', 'batch_long')
      assert.deepEqual([long?.finishReason, long?.upstreamModel], ['x'.repeat(32), 'm'.repeat(200)])
    })

    test('request logs: maintain keeps what is inside retention and removes the rest (partitions on PostgreSQL)', async () => {
      const row = (id: string, createdAt: string): RequestLogRecord => ({
        id,
        requestId: `req_${id}`,
        workspaceId: 'ws_money',
        keyId: 'key_1',
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
        costNano: 1,
        chargedNano: 0,
        ledgerEntryId: null,
        latencyMs: 1,
        firstByteMs: null,
        finishReason: null,
        usageSource: 'upstream',
        createdAt,
      })
      await store.requestLogs.maintain(new Date('2026-11-23T10:00:00.000Z'), 0)
      await store.requestLogs.insertMany([
        row('m_old', '2026-11-20T10:00:00.000Z'),
        row('m_today', '2026-11-23T11:00:00.000Z'),
        row('m_tomorrow', '2026-11-24T11:00:00.000Z'),
      ])
      assert.equal((await store.requestLogs.find('ws_money', 'm_today'))?.id, 'm_today')
      const removed = await store.requestLogs.maintain(new Date('2026-11-26T10:00:00.000Z'), 1)
      assert.ok(removed >= 1)
      for (const id of ['m_old', 'm_today', 'm_tomorrow']) {
        assert.equal(await store.requestLogs.find('ws_money', id), undefined, `${id} is past retention`)
      }
      await store.requestLogs.insertMany([row('m_new', '2026-11-26T11:00:00.000Z')])
      assert.equal((await store.requestLogs.find('ws_money', 'm_new'))?.id, 'm_new')
      await store.requestLogs.maintain(new Date('2026-11-26T10:00:00.000Z'), 1)
      assert.equal(
        (await store.requestLogs.find('ws_money', 'm_new'))?.id,
        'm_new',
        'maintenance is idempotent',
      )
    })
  })
}

/**
 * The contract every {@link Store} implementation must meet; run against SQLite always and
 * PostgreSQL in CI (undici's cacheStoreTests pattern).
 *
 * The tests share one store and run in order: the parts below are registered in sequence and
 * later ones rely on rows written by earlier ones (workspaces, `key_1`, `ws_money`, `ws_holds`).
 *
 * @module
 */
import { after, before, describe, test } from 'node:test'
import type { Store } from '../../src/storage/store.ts'
import { storeAccountsContract } from './store-accounts.contract.ts'
import { storeAlertsContract } from './store-alerts.contract.ts'
import { storeBudgetsContract } from './store-budgets.contract.ts'
import { storeLedgerContract } from './store-ledger.contract.ts'
import { storeRequestLogsContract } from './store-request-logs.contract.ts'

export interface StoreContractOptions {
  skip?: string | false | (() => Promise<string | false>)
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

    const getStore = () => store
    storeAccountsContract(getStore)
    storeLedgerContract(getStore)
    storeRequestLogsContract(getStore)
    storeBudgetsContract(getStore)
    storeAlertsContract(getStore)
  })
}

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStore } from '../../src/storage/create-store.ts'
import { describeStoreContract } from './store.contract.ts'

describeStoreContract('sqlite :memory:', () => createStore({ kind: 'sqlite', path: ':memory:' }))

const directory = mkdtempSync(join(tmpdir(), 'onekey-store-'))
describeStoreContract(
  'sqlite file',
  () => createStore({ kind: 'sqlite', path: join(directory, 'nested', 'onekey.db') }),
  async (store) => {
    await store.close()
    rmSync(directory, { recursive: true, force: true })
  },
)

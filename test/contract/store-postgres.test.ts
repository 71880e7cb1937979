import { createStore } from '../../src/storage/create-store.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import { describeStoreContract } from './store.contract.ts'

const skip = await postgresSkipReason()
if (skip === false) {
  const schema = uniqueSchemaName('store_contract')
  describeStoreContract(
    'postgres',
    () => createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema }),
    async (store) => {
      await store.close()
      await dropSchema(schema)
    },
  )
}

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { numberPlaceholders } from './raw-statement.ts'

test('PostgreSQL placeholders are numbered in order; SQLite keeps its question marks', () => {
  assert.equal(
    numberPlaceholders('update t set a = ?, b = b - ? where id = ? and c > 0'),
    'update t set a = $1, b = b - $2 where id = $3 and c > 0',
  )
  assert.equal(numberPlaceholders('select 1'), 'select 1')
})

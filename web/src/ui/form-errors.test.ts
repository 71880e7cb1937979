import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ApiError } from '../api/api-client.ts'
import { issuesToFieldErrors, splitServerError } from './form-errors.ts'

test('issuesToFieldErrors keeps the first issue per field and prefers hints', () => {
  const errors = issuesToFieldErrors(
    [
      { path: ['email'], message: 'Invalid' },
      { path: ['email'], message: 'Second' },
      { path: ['password'], message: 'Too small' },
    ],
    { password: 'Use 10 to 200 characters.' },
  )
  assert.deepEqual(errors, { email: 'Invalid', password: 'Use 10 to 200 characters.' })
})

test('splitServerError lands a param on its field', () => {
  const onField = new ApiError('Bad code', 400, 'invalid_parameter', 'code', null, 'req_1')
  assert.deepEqual(splitServerError(onField, ['code']), { fields: { code: 'Bad code' }, form: null })
  const elsewhere = new ApiError('Nope', 400, null, 'other', null, 'req_2')
  assert.equal(splitServerError(elsewhere, ['code']).form, elsewhere)
  const nested = new ApiError('Bad rpm', 400, null, 'limits.rpm', null, null)
  assert.deepEqual(splitServerError(nested, ['limits']).fields, { limits: 'Bad rpm' })
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  jsonTextNestsDeeperThan,
  MAX_JSON_NESTING,
  nestingTooDeep,
  nestsDeeperThan,
  stringifyBounded,
} from './json-nesting.ts'

const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
const objects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`
const deeper = (text: string, limit = MAX_JSON_NESTING) => jsonTextNestsDeeperThan(text, limit)

test('text: the body object is level 1; exactly the limit passes, one more does not', () => {
  for (const nest of [arrays, objects]) {
    assert.equal(deeper(nest(MAX_JSON_NESTING)), false)
    assert.equal(deeper(nest(MAX_JSON_NESTING + 1)), true)
    assert.equal(deeper(nest(10_000)), true)
    assert.equal(deeper(nest(3), 3), false)
    assert.equal(deeper(nest(4), 3), true)
  }
  assert.equal(deeper('{"a":[{"b":[1]}],"c":[[],[],[]]}', 4), false)
  assert.equal(deeper('{"a":[{"b":[[1]]}]}', 4), true)
  // Siblings do not add up: depth returns on every close.
  assert.equal(deeper(`[${Array.from({ length: 500 }, () => '[[]]').join(',')}]`, 3), false)
})

test('text: brackets inside strings do not count, escapes respected', () => {
  assert.equal(deeper(`{"a":${JSON.stringify('[{'.repeat(1000))}}`, 2), false)
  assert.equal(deeper('{"a":"\\\\"}', 1), false, 'an escaped backslash ends before the quote')
  assert.equal(deeper('{"a":"\\"[[[["}', 1), false, 'an escaped quote does not end the string')
  assert.equal(deeper('{"a":"\\\\\\"[[[["}', 1), false, 'three backslashes: the quote is escaped')
  assert.equal(deeper('{"a":"x\\\\","b":[[[[]]]]}', 4), true, 'two backslashes: the string ends')
  assert.equal(deeper('["\\u005b[[["]', 1), false, 'a unicode escape is just text')
  // Multi-byte characters and invalid UTF-8 (read as U+FFFD) never look like structure.
  const bytes = Buffer.concat([Buffer.from('{"a":"é\u{1F600}'), Buffer.from([0xff, 0xc3]), Buffer.from('"}')])
  assert.equal(jsonTextNestsDeeperThan(bytes.toString('utf8'), 1), false)
})

test('text: malformed input gets an answer and never throws', () => {
  assert.equal(deeper('['.repeat(MAX_JSON_NESTING + 1)), true, 'unterminated')
  assert.equal(deeper(`"${'['.repeat(500)}`), false, 'an unterminated string swallows the rest')
  assert.equal(deeper(`${']'.repeat(500)}${'['.repeat(50)}`, 50), false, 'stray closes do not go below 0')
  assert.equal(deeper(''), false)
})

test('values: iterative at any depth, stops at the limit', () => {
  let deep: unknown = 1
  for (let level = 0; level < 100_000; level++) deep = level % 2 === 0 ? [deep] : { a: deep }
  assert.equal(nestsDeeperThan(deep), true)
  assert.equal(nestsDeeperThan(JSON.parse(arrays(MAX_JSON_NESTING))), false)
  assert.equal(nestsDeeperThan(JSON.parse(arrays(MAX_JSON_NESTING + 1))), true)
  assert.equal(nestsDeeperThan('text'), false)
  assert.equal(nestsDeeperThan(null), false)
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  assert.equal(nestsDeeperThan(cyclic), true, 'a cycle ends at the limit')
})

test('stringifyBounded: JSON text, or a 400 naming the field', () => {
  assert.equal(stringifyBounded({ a: [1, 'x'] }), '{"a":[1,"x"]}')
  let deep: unknown = []
  for (let level = 0; level < 10_000; level++) deep = [deep]
  assert.throws(() => stringifyBounded(deep, 'tools'), {
    status: 400,
    code: 'nesting_too_deep',
    param: 'tools',
    message: `'tools' nests arrays and objects deeper than ${MAX_JSON_NESTING} levels, the limit.`,
  })
  assert.deepEqual(nestingTooDeep().toBody().error.param, null)
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { spliceIntoUsage } from './deliver-json-answer.ts'

test('fields are spliced into the top-level usage object, whatever it nests or the content says', () => {
  const answer = {
    choices: [{ message: { content: 'a "usage":{ } \\ and } braces {' } }],
    usage: { prompt_tokens: 3, prompt_tokens_details: { cached_tokens: 1 }, completion_tokens: 2 },
  }
  const spliced = spliceIntoUsage(Buffer.from(JSON.stringify(answer)), [
    ['cost', 0.000015],
    ['cost_details', { total: '0.000015' }],
  ])!
  assert.deepEqual(JSON.parse(spliced.toString()), {
    ...answer,
    usage: { ...answer.usage, cost: 0.000015, cost_details: { total: '0.000015' } },
  })
  assert.deepEqual(JSON.parse(spliceIntoUsage(Buffer.from('{"usage":{}}'), [['cost', 1]])!.toString()), {
    usage: { cost: 1 },
  })
  assert.equal(spliceIntoUsage(Buffer.from('{"usage":null}'), [['cost', 1]]), undefined)
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { curlSnippet, laneExamples, pythonSnippet } from './quick-start-snippets.ts'

test('laneExamples picks the first ID of each lane or a placeholder', () => {
  assert.deepEqual(laneExamples(['gpt-x', 'cheap/a', 'cheap/b', 'byok/openai/gpt']), [
    { lane: 'cheap', model: 'cheap/a', placeholder: false },
    { lane: 'resale', model: 'resale/<model>', placeholder: true },
    { lane: 'byok', model: 'byok/openai/gpt', placeholder: false },
  ])
})

test('snippets use the base URL and the environment variable', () => {
  const curl = curlSnippet('http://h:8080/v1/', 'cheap/a')
  assert.match(curl, /^curl http:\/\/h:8080\/v1\/chat\/completions/)
  assert.match(curl, /\$ONEKEY_API_KEY/)
  assert.match(curl, /"model":"cheap\/a"/)
  assert.match(pythonSnippet('http://h/v1', 'resale/b'), /os\.environ\["ONEKEY_API_KEY"\]/)
})

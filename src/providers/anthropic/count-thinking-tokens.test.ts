import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { estimateTextTokens } from '../../tokens/estimate-prompt-tokens.ts'
import { loadTokenizers, tokenCounter } from '../../tokens/tokenizer.ts'
import { createThinkingTokenCounter } from './count-thinking-tokens.ts'

/** Feeds `text` to a fresh counter in pieces of `size` characters, as one block. */
function countInPieces(text: string, size: number, count?: (text: string) => number): number | undefined {
  const counter = createThinkingTokenCounter(count)
  counter.startBlock()
  for (let from = 0; from < text.length; from += size) counter.add(text.slice(from, from + size))
  counter.endBlock()
  return counter.total()
}

const TEXT =
  'Let me think.  The café’s bill: 3 crêpes at €4.50 each is €13.50!\nPlus a 10% tip — €14.85. ' +
  "It's done,\n\n  really done."

describe('createThinkingTokenCounter', () => {
  before(() => loadTokenizers(['o200k_base']))

  test('no thinking block: undefined; an empty or redacted block: 0', () => {
    assert.equal(createThinkingTokenCounter().total(), undefined)
    const counter = createThinkingTokenCounter()
    counter.startBlock()
    counter.endBlock()
    assert.equal(counter.total(), 0)
  })

  test('the estimate of a block does not depend on how it was split', () => {
    for (const size of [1, 2, 5, 17, TEXT.length])
      assert.equal(countInPieces(TEXT, size), estimateTextTokens(TEXT), `pieces of ${size}`)
  })

  test('with a tokenizer, pieces cut anywhere count as the whole text', () => {
    const count = tokenCounter('o200k_base')!
    for (const size of [1, 2, 3, 7, 16, 40, TEXT.length])
      assert.equal(countInPieces(TEXT, size, count), count(TEXT), `pieces of ${size}`)
  })

  test('text with no word boundary is counted once it grows past the held limit', () => {
    const calls: number[] = []
    const counter = createThinkingTokenCounter((text) => {
      calls.push(text.length)
      return text.length
    })
    counter.startBlock()
    for (let index = 0; index < 3000; index++) counter.add('語')
    assert.ok(calls.length >= 2 && Math.max(...calls) <= 1025, 'held text stays bounded')
    counter.endBlock()
    assert.equal(counter.total(), 3000)
  })

  test('blocks are counted separately and summed', () => {
    const counter = createThinkingTokenCounter()
    for (const block of ['ab', 'cd']) {
      counter.startBlock()
      counter.add(block)
      counter.endBlock()
    }
    assert.equal(counter.total(), 2)
  })
})

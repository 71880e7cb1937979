import assert from 'node:assert/strict'
import { test } from 'node:test'
import { withMargin } from './catalog-config.ts'
import { imageTier, pricesSize, readImagePrices } from './image-prices.ts'

const problems: string[] = []
const prices = readImagePrices(
  { '1024x1024': '0.04', '1024x1024/hd': '0.08', '1792x1024/hd': 0.12 },
  'price.image',
  problems,
)

test('per-image prices are exact pico-USD; the most specific tier prices a request', () => {
  assert.deepEqual(problems, [])
  assert.deepEqual(prices, {
    '1024x1024': 40_000_000_000,
    '1024x1024/hd': 80_000_000_000,
    '1792x1024/hd': 120_000_000_000,
  })
  assert.equal(imageTier(prices, undefined, { size: undefined, quality: undefined }), '1024x1024')
  assert.equal(imageTier(prices, undefined, { size: '1024x1024', quality: 'hd' }), '1024x1024/hd')
  assert.equal(
    imageTier(prices, undefined, { size: '1024x1024', quality: 'standard' }),
    '1024x1024',
    'the bare size prices other qualities',
  )
  assert.equal(imageTier(prices, undefined, { size: '1792x1024', quality: 'standard' }), undefined)
  assert.equal(imageTier(prices, undefined, { size: '512x512', quality: undefined }), undefined)
  const rules = { maxPerRequest: 1, defaultSize: '1792x1024', defaultQuality: 'hd' }
  assert.equal(
    imageTier(prices, rules, { size: undefined, quality: undefined }),
    '1792x1024/hd',
    'the model defaults',
  )
  assert.equal(pricesSize(prices, '1792x1024'), true)
  assert.equal(pricesSize(prices, '512x512'), false)
})

test('a price below a pico-USD is refused; margins apply to each image price, rounded up', () => {
  const refused: string[] = []
  readImagePrices({ '1024x1024': '0.0000000000001' }, 'price.image', refused)
  assert.equal(refused.length, 1)
  const margined = withMargin(
    { input: 0, output: 0, cachedInput: 0, request: 0, image: { '1024x1024': 3 } },
    33_333,
  )
  assert.deepEqual(margined.image, { '1024x1024': 4 })
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createOpenAISseRelay, type RelayStep } from './openai-sse-relay.ts'

function relayInPieces(transcript: string, size: number) {
  const relay = createOpenAISseRelay()
  const bytes = Buffer.from(transcript)
  const output: Buffer[] = []
  const steps: RelayStep[] = []
  for (let offset = 0; offset < bytes.length; offset += size) {
    const step = relay.push(bytes.subarray(offset, offset + size))
    steps.push(step)
    output.push(Buffer.from(step.output as Uint8Array | string))
    if (step.done || step.error) break
  }
  return {
    text: Buffer.concat(output).toString('utf8'),
    done: steps.some((step) => step.done),
    error: steps.some((step) => step.error),
    finished: steps.some((step) => step.finished),
    usage: steps.find((step) => step.usageData)?.usageData,
  }
}

const chunk = (content: string, finish: string | null = null) =>
  `data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":${finish ? `"${finish}"` : 'null'}}]}\n\n`
const events = [
  ': keep-alive\n\n',
  chunk('Привет, '),
  chunk('data: [DONE] is just text here 🙂'),
  chunk('', 'stop'),
  'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n',
]

test('forwards complete events byte for byte at every split, stops at [DONE]', () => {
  const transcript = `${events.join('')}data: [DONE]\n\ndata: {"after":"done"}\n\n`
  for (let size = 1; size <= transcript.length; size += size < 40 ? 1 : 17) {
    const result = relayInPieces(transcript, size)
    assert.equal(result.text, events.join(''), `split ${size}`)
    assert.equal(result.done, true)
    assert.equal(result.error, false)
    assert.equal(result.finished, true)
    assert.equal(
      result.usage,
      '{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}',
    )
  }
})

test('an error event stops the relay after what came before it', () => {
  const transcript = `${chunk('partial')}data: {"error":{"message":"boom"}}\n\n`
  for (const size of [1, 5, 1000]) {
    const result = relayInPieces(transcript, size)
    assert.equal(result.text, chunk('partial'))
    assert.equal(result.error, true)
    assert.equal(result.finished, false)
  }
})

test('a partial event is held back until it is complete', () => {
  const relay = createOpenAISseRelay()
  const whole = chunk('held')
  assert.equal(Buffer.from(relay.push(Buffer.from(whole.slice(0, 20))).output).length, 0)
  assert.equal(Buffer.from(relay.push(Buffer.from(whole.slice(20))).output).toString(), whole)
})

test('CRLF streams are re-framed with LF, losslessly, at every split', () => {
  const transcript = `${events.join('').replaceAll('\n', '\r\n')}data: [DONE]\r\n\r\n`
  const expected = events.slice(1).join('')
  for (let size = 1; size <= transcript.length; size += size < 40 ? 1 : 13) {
    const result = relayInPieces(transcript, size)
    assert.equal(result.text.replace(/^: keep-alive\n\n/, ''), expected, `split ${size}`)
    assert.equal(result.done, true)
    assert.equal(result.finished, true)
    assert.ok(result.usage?.includes('"total_tokens":7'))
  }
})

test('markers without the optional space after "data:" are found too; spaced finish reasons count', () => {
  const spaced = 'data: {"choices":[{"index":0,"delta":{},"finish_reason": "stop"}]}\n\n'
  const done = relayInPieces(`${spaced}data:[DONE]\n\n`, 1000)
  assert.equal(done.text, spaced)
  assert.equal(done.done, true)
  assert.equal(done.finished, true)
  const failed = relayInPieces(`${chunk('x')}data:{"error":{"message":"boom"}}\n\n`, 1000)
  assert.equal(failed.error, true)
  assert.equal(failed.finished, false, 'finish_reason null is not a finish')
})

test('the usage chunk can be rewritten or dropped, at any chunking, with content and finish counted', () => {
  const events = [
    'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n',
    'data: {"choices":[{"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n',
    'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n',
    'data: [DONE]\n\n',
  ]
  const wire = Buffer.from(events.join(''))
  for (const mode of ['rewrite', 'drop'] as const) {
    for (let split = 1; split < wire.length; split += 7) {
      const relay = createOpenAISseRelay({
        rewriteUsage: (data) =>
          mode === 'drop' ? null : data.replace('"completion_tokens":2', '"completion_tokens":2,"cost":0.5'),
      })
      let out = ''
      let usage: string | undefined
      let reason: string | undefined
      let content = 0
      for (const part of [wire.subarray(0, split), wire.subarray(split)]) {
        const step = relay.push(part)
        out += Buffer.from(step.output as Uint8Array).toString()
        usage ??= step.usageData
        reason ??= step.finishReason
        content += step.contentChunks
      }
      const expectedUsage =
        mode === 'drop' ? '' : events[2]!.replace('"completion_tokens":2', '"completion_tokens":2,"cost":0.5')
      assert.equal(out, events[0]! + events[1]! + expectedUsage, `${mode} at ${split}`)
      assert.equal(usage, '{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}')
      assert.equal(reason, 'stop')
      assert.equal(content, 2)
    }
  }
  const first = createOpenAISseRelay({ rewriteUsage: () => null })
  const step = first.push(
    Buffer.from('data: {"usage":{"total_tokens":1},"choices":[]}\n\ndata: {"choices":[]}\n\n'),
  )
  assert.equal(
    Buffer.from(step.output as Uint8Array).toString(),
    'data: {"choices":[]}\n\n',
    'drops an event at the start',
  )
})

test('"usage":null is removed for clients that did not ask for usage', () => {
  const relay = createOpenAISseRelay({ removeNullUsage: true })
  const step = relay.push(
    Buffer.from(
      'data: {"choices":[{"delta":{"content":"a"}}],"usage":null}\n\ndata: {"usage":null,"choices":[]}\n\n',
    ),
  )
  assert.equal(
    Buffer.from(step.output as Uint8Array).toString(),
    'data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"choices":[]}\n\n',
  )
})

test('agrees with a JSON-parsing reference on random streams, at random splits, LF and CRLF', () => {
  let seed = 20_261_130
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
  // Strings that look like the markers the relay searches for, escaped as JSON escapes them.
  const pieces = ['data: [DONE]', '"usage":{', '"usage":null,', '"finish_reason":"stop"', 'content":"x']
  pieces.push('{"error":1}', '\\', '"', 'Привет 🙂', '\n\n', ' ', 'x', '_reason": "')
  for (let round = 0; round < 300; round++) {
    const wire: string[] = []
    const expected: string[] = []
    let contentChunks = 0
    let finishReason: string | undefined
    const count = 1 + Math.floor(random() * 6)
    for (let index = 0; index < count; index++) {
      const content = random() < 0.2 ? '' : pick(pieces) + pick(pieces)
      const finish = index === count - 1 && random() < 0.7 ? pick(['stop', 'length', 'tool_calls']) : null
      const field = random() < 0.3 ? 'reasoning_content' : 'content'
      const chunk = { id: 'c', choices: [{ index: 0, delta: { [field]: content }, finish_reason: finish }] }
      const withNull = random() < 0.5 ? { usage: null, ...chunk } : { ...chunk, usage: null }
      wire.push(`data: ${JSON.stringify(withNull)}\n\n`)
      expected.push(`data: ${JSON.stringify(chunk)}\n\n`)
      if (content !== '') contentChunks++
      if (finish !== null) finishReason = finish
    }
    const usage = '{"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}'
    const withUsage = random() < 0.6
    if (withUsage) {
      wire.push(`data: ${usage}\n\n`)
      expected.push(`data: ${usage.replace('"completion_tokens":2', '"completion_tokens":2,"cost":0.1')}\n\n`)
    }
    wire.push('data: [DONE]\n\n')
    const crlf = random() < 0.3
    const bytes = Buffer.from(crlf ? wire.join('').replaceAll('\n', '\r\n') : wire.join(''))
    const relay = createOpenAISseRelay({
      removeNullUsage: true,
      rewriteUsage: (data) => data.replace('"completion_tokens":2', '"completion_tokens":2,"cost":0.1'),
    })
    const splits = [0, ...Array.from({ length: 3 }, () => Math.floor(random() * bytes.length))]
    splits.sort((first, second) => first - second)
    splits.push(bytes.length)
    let output = ''
    let counted = 0
    let reason: string | undefined
    let usageData: string | undefined
    let done = false
    for (let index = 0; index + 1 < splits.length && !done; index++) {
      const step = relay.push(bytes.subarray(splits[index], splits[index + 1]))
      output += Buffer.from(step.output as Uint8Array | string).toString('utf8')
      counted += step.contentChunks
      reason = step.finishReason ?? reason
      usageData ??= step.usageData
      done = step.done
    }
    const context = `round ${round}, splits ${splits.join(',')}, crlf ${crlf}`
    assert.equal(output, expected.join(''), context)
    assert.equal(done, true, context)
    assert.equal(counted, contentChunks, context)
    assert.equal(reason, finishReason, context)
    assert.equal(usageData, withUsage ? usage : undefined, context)
  }
})

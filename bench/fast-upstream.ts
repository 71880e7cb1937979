/**
 * The benchmark's upstream: as little work as a server can do per request. Answers a chat
 * completion with a canned JSON body, or a canned 12-event SSE stream when the request asks to
 * stream. Run as its own process: `node bench/fast-upstream.ts PORT`.
 */
import { createServer } from 'node:http'

const port = Number(process.argv[2] ?? 0)
const base = {
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 1_790_000_000,
  model: 'bench-model',
}
const json = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_790_000_000,
    model: 'bench-model',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Hello from the benchmark upstream, a short answer of a few words.',
          refusal: null,
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 20, completion_tokens: 14, total_tokens: 34 },
  }),
)
const events = [
  { role: 'assistant', content: '' },
  ...'Hello from the benchmark upstream, a short answer of a few words .'
    .split(' ')
    .map((word) => ({ content: `${word} ` })),
]
const stream = Buffer.from(
  `${events
    .map((delta, index) => ({
      ...base,
      choices: [
        { index: 0, delta, logprobs: null, finish_reason: index === events.length - 1 ? 'stop' : null },
      ],
    }))
    .map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`)
    .join('')}data: [DONE]\n\n`,
)

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    const streaming = Buffer.concat(chunks).includes('"stream":true')
    if (streaming) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': stream.length })
      response.end(stream)
    } else {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length })
      response.end(json)
    }
  })
})
server.listen(port, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(
    `${JSON.stringify({ listening: typeof address === 'object' ? address?.port : port })}\n`,
  )
})

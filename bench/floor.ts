/**
 * The floor: the least any Node gateway can cost here. Raw `node:http`, one undici Pool, the
 * request body parsed and re-serialized (a gateway must at least read the model), the answer
 * streamed back untouched. No auth, no routing, no logs, no error handling worth the name.
 * `node bench/floor.ts PORT UPSTREAM_URL`.
 */
import { createServer } from 'node:http'
import { Pool } from 'undici'

const port = Number(process.argv[2] ?? 0)
const upstream = new Pool(process.argv[3] ?? 'http://127.0.0.1:1', { connections: 256 })

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', async () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    try {
      const answer = await upstream.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer floor' },
        body: JSON.stringify(body),
      })
      response.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type']) })
      for await (const chunk of answer.body) response.write(chunk)
      response.end()
    } catch {
      response.writeHead(502).end()
    }
  })
})
server.listen(port, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(
    `${JSON.stringify({ listening: typeof address === 'object' ? address?.port : port })}\n`,
  )
})

// Exit through process.exit so `--cpu-prof` (BENCH_PROFILE=1) writes the profile.
process.on('SIGTERM', () => process.exit(0))

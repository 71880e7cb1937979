/**
 * The listen backlog (issue 15, finding 6b): `server.backlog` is a validated setting with a high
 * default, it reaches listen(2) (the kernel reports a listener's backlog, capped at
 * `net.core.somaxconn`, as `Send-Q` in `ss -ltn`), and a burst of 2,000 simultaneous
 * connections to one gateway all get an HTTP answer.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { describe, test } from 'node:test'
import { buildConfig, ConfigError } from '../../src/config/config.ts'
import { startTestGateway } from '../helpers/test-gateway.ts'

const minimal = {
  providers: [{ name: 'sim', kind: 'sim' }],
  models: [{ id: 'm', offers: [{ lane: 'cheap', provider: 'sim', price: { input: '0.1', output: '0.4' } }] }],
}

describe('server.backlog in the config', () => {
  test('defaults to 65535 and takes any positive integer', () => {
    assert.equal(buildConfig(minimal, {}).server.backlog, 65_535)
    for (const backlog of [1, 511, 8192, 100_000])
      assert.equal(buildConfig({ ...minimal, server: { backlog } }, {}).server.backlog, backlog)
  })

  test('refuses 0, negatives, fractions, strings and values past a C int, naming the field', () => {
    for (const backlog of [0, -1, 1.5, '4096', null, 2 ** 31]) {
      assert.throws(
        () => buildConfig({ ...minimal, server: { backlog } }, {}),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, String(backlog))
          assert.match(error.message, /server\.backlog/, String(backlog))
          return true
        },
      )
    }
  })
})

/** The backlog the kernel holds for the listener on `port` (ss's Send-Q), or undefined without ss. */
function listenBacklog(port: number): number | undefined {
  const result = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8', timeout: 5_000 })
  if (result.error !== undefined || result.status !== 0) return undefined
  const line = result.stdout.split('\n').find((row) => row.startsWith('LISTEN'))
  return line === undefined ? undefined : Number(line.trim().split(/\s+/)[2])
}

const somaxconnFile = '/proc/sys/net/core/somaxconn'
const hasSs = spawnSync('ss', ['-V'], { encoding: 'utf8', timeout: 5_000 }).error === undefined
const skipLinux = existsSync(somaxconnFile) ? false : 'needs Linux (net.core.somaxconn)'
const skipKernelCheck = skipLinux || (hasSs ? false : 'needs ss (iproute2)')

test('the listener gets the configured backlog (capped by net.core.somaxconn)', {
  skip: skipKernelCheck,
}, async () => {
  const somaxconn = Number(readFileSync(somaxconnFile, 'utf8').trim())
  for (const [server, expected] of [
    [{ port: 0, backlog: 100 }, Math.min(100, somaxconn)],
    [{ port: 0 }, Math.min(65_535, somaxconn)],
  ] as const) {
    const gateway = await startTestGateway({ ...minimal, server })
    try {
      const port = Number(new URL(gateway.url).port)
      assert.equal(listenBacklog(port), expected, JSON.stringify(server))
    } finally {
      await gateway.close()
    }
  }
})

/**
 * A client in its own process (this one will be busy): on `go`, opens `count` connections at
 * once, reports how many completed their handshake within `settleMs` (they sit in the listen
 * queue: the server is not accepting), then sends each a request and reports the answers.
 */
const BURST_CLIENT = `
import { connect as open } from 'node:net'
import { createInterface as readLines } from 'node:readline'
const [port, count, settleMs] = process.argv.slice(1).map(Number)
let connected = 0
let answered = 0
let failed = 0
const done = () => {
  if (answered + failed === count) {
    console.log('answered ' + answered + ' failed ' + failed)
    process.exit(0)
  }
}
readLines({ input: process.stdin }).once('line', () => {
  setTimeout(() => console.log('connected ' + connected), settleMs)
  for (let index = 0; index < count; index++) {
    const socket = open({ port, host: '127.0.0.1' })
    let head = ''
    socket.setEncoding('latin1')
    socket.on('connect', () => {
      connected++
      socket.write('GET /healthz HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n')
    })
    socket.on('data', (text) => (head += text))
    socket.on('end', () => {
      if (head.startsWith('HTTP/1.1 200 ')) answered++
      else failed++
      done()
    })
    socket.on('error', () => {
      failed++
      done()
    })
  }
})
console.log('ready')
`

test('a burst of 2,000 connections while the event loop is busy: all queued at once, all answered', {
  skip: skipLinux,
}, async () => {
  const CONNECTIONS = 2_000
  const SETTLE_MS = 2_000
  // The kernel queues backlog + 1 connections; the rest wait for SYN retries (1 s, 3 s, …).
  const somaxconn = Number(readFileSync(somaxconnFile, 'utf8').trim())
  const queued = Math.min(CONNECTIONS, Math.min(65_535, somaxconn) + 1)
  const gateway = await startTestGateway(minimal)
  const port = Number(new URL(gateway.url).port)
  const client = spawn(
    process.execPath,
    ['--input-type=module', '-e', BURST_CLIENT, String(port), String(CONNECTIONS), String(SETTLE_MS)],
    { stdio: ['pipe', 'pipe', 'inherit'], timeout: 60_000 },
  )
  try {
    const lines = createInterface({ input: client.stdout! })[Symbol.asyncIterator]()
    const next = async () => String((await lines.next()).value)
    assert.equal(await next(), 'ready')
    client.stdin!.write('go\n')
    // Busy: nothing is accepted until the client has counted its handshakes.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS + 1_000)
    assert.equal(await next(), `connected ${queued}`)
    assert.equal(await next(), `answered ${CONNECTIONS} failed 0`)
  } finally {
    client.kill()
    await gateway.close()
  }
})

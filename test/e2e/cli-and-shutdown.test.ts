/**
 * The newcomer's path as processes: the `onekey` CLI creates a workspace and a key, `onekey
 * serve` answers the openai SDK, a revoke from the CLI reaches the running server, and SIGTERM
 * lets an open stream finish before the process exits.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import OpenAI from 'openai'

const run = promisify(execFile)
const NODE = process.execPath
const CLI = join(import.meta.dirname, '../../src/cli/onekey.ts')

describe('onekey CLI and serve as real processes', () => {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-cli-'))
  const configPath = join(directory, 'onekey.yaml')
  writeFileSync(
    configPath,
    [
      'server: { host: 127.0.0.1, port: 0, shutdown_grace_ms: 5000 }',
      `storage: { url: "sqlite:${join(directory, 'data', 'onekey.db')}" }`,
      'auth: { cache_ttl_ms: 100 }',
      'providers:',
      '  - { name: sim, kind: sim, sim: { latency_ms: 0, tokens_per_second: 20 } }',
      'models:',
      '  - { id: sim-echo, offers: [{ lane: cheap, provider: sim, price: { input: 1, output: 2 } }] }',
    ].join('\n'),
  )
  const onekey = async (...args: string[]) =>
    (await run(NODE, ['--disable-warning=ExperimentalWarning', CLI, ...args, '--config', configPath])).stdout

  let server: ChildProcess
  let baseURL: string
  let output = ''
  before(async () => {
    server = spawn(NODE, ['--disable-warning=ExperimentalWarning', CLI, 'serve', '--config', configPath], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    server.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    for (let waited = 0; !output.includes('"listening"') && waited < 10_000; waited += 50) await sleep(50)
    const listening = output
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((line) => line.msg === 'listening')
    assert.ok(listening, `server started: ${output}`)
    baseURL = `${listening.url}/v1`
  })
  after(() => {
    if (server.exitCode === null) server.kill('SIGKILL')
    rmSync(directory, { recursive: true, force: true })
  })

  test('workspace and key management, then the SDK gets answers; revoke reaches the running server', async () => {
    assert.match(await onekey('workspace', 'create', 'acme'), /^created workspace ws_\w+ \(acme\)/)
    await assert.rejects(onekey('workspace', 'create', 'acme'), /already exists/)
    const created = JSON.parse(
      await onekey('key', 'create', '--workspace', 'acme', '--name', 'laptop', '--json'),
    )
    assert.match(created.key, /^okm-sk-/)
    assert.equal(created.hash, undefined, 'the hash is never printed')
    const database = readFileSync(join(directory, 'data', 'onekey.db'))
    const wal = readFileSync(join(directory, 'data', 'onekey.db-wal'))
    const stored = Buffer.concat([database, wal])
    assert.ok(!stored.includes(created.key), 'the key itself is not stored')
    assert.ok(!stored.includes(created.key.slice(13)), 'not even its secret part')
    assert.ok(stored.includes(createHash('sha256').update(created.key).digest('hex')), 'its SHA-256 is')
    const listed = await onekey('key', 'list', '--workspace', 'acme')
    assert.match(listed, new RegExp(created.id))
    assert.ok(!listed.includes(created.key), 'listing never shows the key')
    assert.match(await onekey('workspace', 'list'), /acme/)

    const client = new OpenAI({ baseURL, apiKey: created.key, maxRetries: 0 })
    const completion = await client.chat.completions.create({
      model: 'sim-echo',
      messages: [{ role: 'user', content: 'hi' }],
    })
    assert.equal(completion.choices[0]?.message.content, 'You said: hi')

    assert.match(await onekey('key', 'revoke', created.id), /revoked API key/)
    await assert.rejects(onekey('key', 'revoke', created.id), /already revoked/)
    let refused = false
    for (let attempt = 0; attempt < 40 && !refused; attempt++) {
      await client.models.list().then(
        () => sleep(50),
        (error: unknown) => {
          refused = error instanceof OpenAI.AuthenticationError
        },
      )
    }
    assert.ok(refused, 'revoked from another process, refused within the cache TTL')
    assert.match(await onekey('key', 'list', '--json'), /"revokedAt": "20/)
  })

  test('unknown commands and bad options fail with usage and exit code 2 or 1', async () => {
    await assert.rejects(onekey('frobnicate'), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2)
      assert.match(error.stderr, /usage: onekey/)
      return true
    })
    await assert.rejects(onekey('key', 'create', '--workspace', 'ghost'), /no workspace "ghost"/)
    await assert.rejects(
      onekey('key', 'create', '--workspace', 'acme', '--expires-in', 'soon'),
      /--expires-in/,
    )
  })

  test('SIGTERM: an open stream finishes, then the process exits 0', async () => {
    const { key } = JSON.parse(await onekey('key', 'create', '--workspace', 'acme', '--json'))
    const client = new OpenAI({ baseURL, apiKey: key, maxRetries: 0 })
    const stream = await client.chat.completions.create({
      model: 'sim-echo',
      messages: [{ role: 'user', content: 'one two three four five six seven eight' }],
      stream: true,
    })
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)))
    let text = ''
    let signalled = false
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (!signalled) {
        signalled = true
        server.kill('SIGTERM')
        await sleep(100)
        await assert.rejects(fetch(`${baseURL}/models`), 'no new connections while draining')
      }
    }
    assert.equal(text, 'You said: one two three four five six seven eight')
    assert.equal(await exited, 0)
    assert.match(output, /"shutting down"/)
  })
})

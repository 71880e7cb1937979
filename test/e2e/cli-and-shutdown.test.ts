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
const MASTER_KEY = 'c3'.repeat(32)
const ENV = { ...process.env, ONEKEY_MASTER_KEY: MASTER_KEY }
const CLI = join(import.meta.dirname, '../../src/cli/onekey.ts')

describe('onekey CLI and serve as real processes', () => {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-cli-'))
  const configPath = join(directory, 'onekey.yaml')
  const configLines = [
    'server: { host: 127.0.0.1, port: 0, shutdown_grace_ms: 5000 }',
    `storage: { url: "sqlite:${join(directory, 'data', 'onekey.db')}" }`,
    'auth: { cache_ttl_ms: 100 }',
    'providers:',
    '  - { name: sim, kind: sim, sim: { latency_ms: 0, tokens_per_second: 20 } }',
    'models:',
    '  - id: sim-echo',
    '    offers:',
    '      - { lane: cheap, provider: sim, price: { input: 1, output: 2 } }',
    '      - { lane: byok, provider: sim, price: { input: 0, output: 0 } }',
  ]
  writeFileSync(configPath, configLines.join('\n'))
  const onekey = async (...args: string[]) =>
    (
      await run(NODE, ['--disable-warning=ExperimentalWarning', CLI, ...args, '--config', configPath], {
        env: ENV,
      })
    ).stdout

  let server: ChildProcess
  let baseURL: string
  let output = ''
  before(async () => {
    server = spawn(NODE, ['--disable-warning=ExperimentalWarning', CLI, 'serve', '--config', configPath], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: ENV,
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
    const topUp = await onekey('credits', 'top-up', 'acme', '10', '--idempotency-key', 'invoice-1')
    assert.match(topUp, /purchase\s+10\s+credit purchase/)
    assert.match(topUp, /purchase_fee\s+-0\.85\s+purchase fee on \$10/, '$0.35 + 5 %')
    assert.match(topUp, /balance \$9\.15/)
    assert.match(
      await onekey('credits', 'top-up', 'acme', '10', '--idempotency-key', 'invoice-1'),
      /already recorded.*nothing added/,
      'a replayed top-up never credits twice',
    )
    await assert.rejects(onekey('credits', 'top-up', 'acme', 'ten'), /USD, e\.g\. 10/)
    assert.match(await onekey('credits', 'show', 'acme'), /balance \$9\.15, held \$0, available \$9\.15/)
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

    // A spend limit set from another process reaches the running server within the cache TTL.
    assert.match(await onekey('key', 'budget', created.id, '--total', '0'), /limits of key .* set/)
    const shownBudget = JSON.parse(await onekey('key', 'budget', created.id, '--json'))
    assert.equal(shownBudget.periods[0].limit, '0')
    assert.notEqual(shownBudget.periods[0].spent, '0', 'what the key spent so far, from the request log')
    let limited = false
    for (let attempt = 0; attempt < 40 && !limited; attempt++) {
      await client.chat.completions
        .create({ model: 'sim-echo', messages: [{ role: 'user', content: 'hi' }] })
        .then(
          () => sleep(50),
          (error: unknown) => {
            limited =
              error instanceof OpenAI.APIError && error.status === 402 && error.code === 'key_budget_exceeded'
          },
        )
    }
    assert.ok(limited, 'refused by its limit, with its own code')
    assert.match(await onekey('key', 'budget', created.id, '--total', 'none'), /total\s+none/)
    assert.match(await onekey('workspace', 'budget', 'acme', '--month', '5'), /month\s+5\s/)
    await assert.rejects(onekey('workspace', 'budget', 'acme', '--day', '5'), /--day/)
    await assert.rejects(onekey('key', 'budget', created.id, '--day', 'lots'), /USD, e\.g\. 25/)

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
    assert.match(await onekey('key', 'list', '--json'), /"revoked_at": "20/)
    const shown = JSON.parse(await onekey('credits', 'show', 'acme', '--json'))
    assert.ok(
      shown.entries.some((entry: { kind: string }) => entry.kind === 'usage'),
      'the completion was charged',
    )
    assert.match(await onekey('ledger', 'verify'), /ledger verified/)
  })

  test('lanes from the CLI: workspace settings, restricted keys, BYOK keys stored encrypted; SIGHUP reloads', async () => {
    assert.match(
      await onekey('workspace', 'set', 'acme', '--default-lane', 'resale', '--deny-data-collection'),
      /default lane resale, data collection denied/,
    )
    await onekey('workspace', 'set', 'acme', '--default-lane', 'cheap', '--allow-data-collection')
    await assert.rejects(onekey('workspace', 'set', 'acme', '--default-lane', 'byok'), /--default-lane/)
    const restricted = JSON.parse(
      await onekey('key', 'create', '--workspace', 'acme', '--lanes', 'byok', '--models', 'sim-*', '--json'),
    )
    assert.deepEqual(restricted.allowed_lanes, ['byok'])
    await assert.rejects(
      onekey('key', 'create', '--workspace', 'acme', '--lanes', 'gold'),
      /unknown lane "gold"/,
    )

    const secret = 'sk-customer-cli-0123456789abcdef'
    const saved = await run(
      NODE,
      [
        '--disable-warning=ExperimentalWarning',
        CLI,
        'byok',
        'set',
        'acme',
        'sim',
        '--key-env',
        'CUSTOMER',
        '--config',
        configPath,
      ],
      { env: { ...ENV, CUSTOMER: secret } },
    )
    assert.match(saved.stdout, /saved sim key sk-c…cdef/)
    assert.ok(!saved.stdout.includes(secret))
    const listed = await onekey('byok', 'list', 'acme')
    assert.match(listed, /sim\s+sk-c…cdef/)
    assert.ok(!listed.includes(secret))
    const database = Buffer.concat([
      readFileSync(join(directory, 'data', 'onekey.db')),
      readFileSync(join(directory, 'data', 'onekey.db-wal')),
    ])
    assert.ok(!database.includes(secret), 'only ciphertext is stored')

    const client = new OpenAI({ baseURL, apiKey: restricted.key, maxRetries: 0 })
    const completion = await client.chat.completions.create({
      model: 'byok/sim/sim-echo',
      messages: [{ role: 'user', content: 'hi' }],
    })
    assert.equal(completion.choices[0]?.message.content, 'You said: hi')
    await assert.rejects(
      client.chat.completions.create({
        model: 'cheap/sim-echo',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) => error instanceof OpenAI.PermissionDeniedError,
    )

    writeFileSync(
      configPath,
      [
        ...configLines,
        '  - id: sim-two',
        '    offers: [{ lane: byok, provider: sim, price: { input: 0, output: 0 } }]',
      ].join('\n'),
    )
    server.kill('SIGHUP')
    let reloaded = false
    for (let attempt = 0; attempt < 100 && !reloaded; attempt++) {
      reloaded = output.includes('"config reloaded"')
      if (!reloaded) await sleep(50)
    }
    assert.ok(reloaded, 'the server logged the reload')
    const ids: string[] = []
    for await (const model of client.models.list()) ids.push(model.id)
    assert.deepEqual(ids, ['byok/sim/sim-echo', 'byok/sim/sim-two'])
    assert.match(await onekey('byok', 'delete', 'acme', 'sim'), /deleted sim key/)
  })

  test('unknown commands and bad options fail with usage and exit code 2 or 1', async () => {
    const usageError = (pattern: RegExp) => (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2, error.stderr)
      assert.match(error.stderr, pattern)
      assert.equal(error.stderr.trim().split('\n').length, 1, 'one line')
      return true
    }
    await assert.rejects(onekey('frobnicate'), usageError(/unknown command `frobnicate`/))
    await assert.rejects(onekey('wokspace', 'list'), usageError(/did you mean `workspace list`\?/))
    await assert.rejects(onekey('workspace', 'lst'), usageError(/did you mean `workspace list`\?/))
    await assert.rejects(
      onekey('key', 'create', '--workspace', 'acme', '--tier', 'pro'),
      usageError(/`--tier` is not an option of `key create`/),
    )
    await assert.rejects(
      onekey('key', 'list', '--workspaec', 'acme'),
      usageError(/did you mean `--workspace`\?/),
    )
    await assert.rejects(
      onekey('credits', 'top-up', 'acme', '-5'),
      usageError(/negative number: put it after `--`/),
    )
    await assert.rejects(onekey('serve', '--bogus'), usageError(/unknown option `--bogus`/))
    assert.match(await onekey('--version'), /^onekey \d+\.\d+\.\d+\n$/)
    const help = await onekey('key', 'create', '--help')
    assert.match(help, /^usage: onekey key create --workspace WS/)
    assert.equal(await onekey('help', 'key', 'create'), help)
    assert.match(await onekey('--help'), /account test PROVIDER\/ACCOUNT/)
    // One tiny request through one configured account (the offline sim's pooled one).
    assert.match(
      await onekey('account', 'test', 'sim/pool'),
      /^ok: sim\/pool on sim-echo: The provider accepted the account\. \(HTTP 200, \d+ ms\)/,
    )
    const tested = JSON.parse(await onekey('account', 'test', 'sim/pool', '--json'))
    assert.deepEqual([tested.ok, tested.status, tested.model], [true, 200, 'sim-echo'])
    await assert.rejects(onekey('account', 'test', 'sim/nobody'), /No account `sim\/nobody`/)
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

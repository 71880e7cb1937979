/**
 * The README's examples, run as written against a real `onekey serve` on the example config (its
 * SQLite file in a temporary folder): the shell blocks through bash with `./bin/onekey` and
 * curl, the JavaScript block with the `openai` package. Only the address (8787 → the test's
 * port) and the placeholders a reader fills in (the key printed a step earlier, a generation ID)
 * are substituted. A README that drifts from the code fails here.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { startServeProcess } from './helpers/serve-process.ts'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..')
const README = readFileSync(join(root, 'README.md'), 'utf8')

/** The README's fenced block of `language` that contains `marker` (the first one). */
function block(language: string, marker: string): string {
  const pattern = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm')
  for (const match of README.matchAll(pattern)) if (match[1]!.includes(marker)) return match[1]!
  throw new Error(`no \`\`\`${language} block with ${marker} in README.md`)
}

describe('README examples, run as written', () => {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-readme-'))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ONEKEY_CONFIG: join(root, 'onekey.example.yaml'),
    ONEKEY_STORAGE_URL: `sqlite:${join(directory, 'onekey.db')}`,
    ONEKEY_PORT: '0',
    ONEKEY_LOG_LEVEL: 'warn',
  }
  let server: ChildProcess
  let url: string

  /** Runs a shell block with bash (errors stop it), the address pointed at the test gateway. */
  async function shell(text: string, extra: Record<string, string> = {}): Promise<string> {
    const script = text.replaceAll('http://127.0.0.1:8787', url)
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: root,
      env: { ...env, ...extra },
      timeout: 60_000,
    })
    return stdout
  }
  const keyIn = (output: string) => /^(okm?-sk-\S+)$/m.exec(output)?.[1]

  before(async () => {
    const started = await startServeProcess(join(root, 'onekey.example.yaml'), {
      ...env,
      ONEKEY_LOG_LEVEL: 'info',
    })
    server = started.child
    url = started.url
  })
  after(() => {
    server?.kill('SIGTERM')
    rmSync(directory, { recursive: true, force: true })
  })

  let apiKey: string
  let managementKey: string

  test('First request: a workspace and a key from the CLI', async () => {
    const output = await shell(block('sh', './bin/onekey workspace create acme'))
    assert.match(output, /created workspace ws_\S+ \(acme\)/)
    apiKey = keyIn(output)!
    assert.ok(apiKey, output)
  })

  test('First request: curl, non-stream and stream', async () => {
    const text = block('sh', 'export ONEKEY_API_KEY=okm-sk-…').replace('okm-sk-…', apiKey)
    const output = await shell(text)
    assert.match(output, /"object":"chat\.completion"/)
    assert.match(output, /"object":"chat\.completion\.chunk"/)
    assert.match(output, /data: \[DONE\]/)
  })

  test('First request: the openai package, chat, stream and Responses', async () => {
    const file = join(root, `.readme-example-${process.pid}.mjs`)
    writeFileSync(file, block('js', "import OpenAI from 'openai'").replaceAll('http://127.0.0.1:8787', url))
    try {
      const { stdout } = await run(process.execPath, [file], {
        cwd: root,
        env: { ...env, ONEKEY_API_KEY: apiKey },
        timeout: 60_000,
      })
      const lines = stdout.split('\n').filter(Boolean)
      assert.ok(lines.length >= 2, stdout)
      assert.match(stdout, /Hello/)
    } finally {
      rmSync(file, { force: true })
    }
  })

  test('Keys and workspace settings; a management key for the BYOK example', async () => {
    const output = await shell(block('sh', '--name owner --management'))
    managementKey = [...output.matchAll(/^(okm?-sk-\S+)$/gm)].map((match) => match[1]!).at(-1)!
    assert.ok(managementKey, output)
    assert.match(output, /default lane resale, data collection denied/)
  })

  test('BYOK: store a key (only its hint comes back), then call byok/sim/…', async () => {
    const output = await shell(block('sh', 'curl -X PUT http://127.0.0.1:8787/api/v1/byok/sim'), {
      ONEKEY_MANAGEMENT_KEY: managementKey,
      ONEKEY_API_KEY: apiKey,
    })
    assert.match(output, /"hint":"sk-m…-key"/)
    assert.doesNotMatch(output, /sk-my-own-key/)
    assert.match(output, /"object":"chat\.completion"/)
  })

  test('Quote before sending', async () => {
    const output = await shell(block('sh', 'http://127.0.0.1:8787/v1/quote'), { ONEKEY_API_KEY: apiKey })
    assert.match(output, /"object":"quote"/)
    assert.match(output, /"max_total_cost":"/)
  })

  test('Credits and billing: top-up, show, codes, verify', async () => {
    const output = await shell(block('sh', './bin/onekey credits top-up acme 10'))
    assert.match(output, /ledger verified/)
    assert.match(output, /OKC-/)
  })

  test('One generation by its ID', async () => {
    const answer = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'sim-echo',
        messages: [{ role: 'user', content: 'for the generation example' }],
      }),
    })
    const id = answer.headers.get('x-onekey-generation-id')!
    await answer.text()
    const text = block('sh', '/api/v1/generation?id=gen_…').replace('gen_…', id)
    const output = await shell(text, { ONEKEY_API_KEY: apiKey })
    assert.match(output, /"object":"generation"/)
    assert.match(output, new RegExp(`"id":"${id}"`))
  })

  test('Rate limits: tier and a key with its own concurrency', async () => {
    const output = await shell(block('sh', '--tier pro --rpm 500'))
    assert.match(output, /okm?-sk-/)
  })

  test('The console: promote a signed-up user to operator', async () => {
    const signUp = await fetch(`${url}/api/v1/auth/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'you@example.com', password: 'a long enough password' }),
    })
    assert.equal(signUp.status, 201)
    const output = await shell(block('sh', './bin/onekey user promote you@example.com'))
    assert.match(output, /you@example\.com is now an operator/)
  })
})

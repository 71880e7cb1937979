/**
 * The quickstart's snippets run as a reader would run them: taken from the rendered page (not
 * the Markdown), with only `YOUR_API_KEY` replaced by a real key, against a gateway serving the
 * offline `sim` provider. curl runs through bash; the TypeScript snippets run on the project's
 * Node with the installed `openai` package. Python snippets run when the `openai` package is
 * importable; otherwise each is parsed by Python and checked to pass the gateway's own fields
 * (`byok_conf`, `models`, `provider`, `usage`) only inside `extra_body` (the official SDK raises
 * a TypeError on unknown keywords), and its run is skipped with a message. LangChain.js and the
 * Vercel AI SDK (devDependencies) run like the TypeScript ones.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { docsPaths } from '../../src/site/docs-pages.ts'
import { REPOSITORY_ROOT } from '../../src/site/docs-source.ts'
import { codeBlocks, startDocsGateway } from '../helpers/docs-site.ts'
import type { TestGateway } from '../helpers/test-gateway.ts'

const run = promisify(execFile)
const NODE = join(REPOSITORY_ROOT, 'node_modules', '.bin', 'node')
// Beside the repository's node_modules (so `openai` resolves), kept out of git.
const SCRATCH = join(REPOSITORY_ROOT, 'test-results', 'docs-snippets')
const GATEWAY_FIELDS = ['byok_conf', 'models', 'provider', 'usage']

/** Parses a Python snippet and lists every gateway field passed outside `extra_body`. */
const PYTHON_CHECK = `
import ast, json, sys
tree = ast.parse(sys.stdin.read())
fields = set(json.loads(sys.argv[1]))
inside = set()
for node in ast.walk(tree):
    if isinstance(node, ast.keyword) and node.arg == "extra_body":
        inside.update(id(child) for child in ast.walk(node.value))
problems = []
for node in ast.walk(tree):
    if isinstance(node, ast.keyword) and node.arg in fields:
        problems.append(f"keyword {node.arg}= (the SDK raises TypeError)")
    if isinstance(node, ast.Dict) and id(node) not in inside:
        for key in node.keys:
            if isinstance(key, ast.Constant) and key.value in fields:
                problems.append(f'"{key.value}" outside extra_body')
print(json.dumps(problems))
`

async function pythonHas(module: string): Promise<boolean> {
  try {
    await run('python3', ['-c', `import ${module}`], { timeout: 20_000 })
    return true
  } catch {
    return false
  }
}

async function checkPython(code: string): Promise<string[]> {
  const child = execFile('python3', ['-c', PYTHON_CHECK, JSON.stringify(GATEWAY_FIELDS)], { timeout: 20_000 })
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk) => {
    out += chunk
  })
  child.stderr?.on('data', (chunk) => {
    err += chunk
  })
  child.stdin?.end(code)
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
  assert.equal(status, 0, `python could not parse the snippet:\n${err}\n${code}`)
  return JSON.parse(out) as string[]
}

describe('the quickstart snippets run against a gateway', () => {
  let gateway: TestGateway
  let blocks: ReturnType<typeof codeBlocks>
  const withKey = (code: string) => code.replaceAll('YOUR_API_KEY', gateway.apiKey)

  before(async () => {
    gateway = await startDocsGateway()
    mkdirSync(SCRATCH, { recursive: true })
    const page = await (await fetch(`${gateway.url}/docs/quickstart`)).text()
    blocks = codeBlocks(page).filter((block) => block.tab !== null)
  })
  after(() => gateway.close())

  test('the page has every client, each with the base URL and the key placeholder', () => {
    const tabs = new Set(blocks.map((block) => block.tab))
    for (const tab of ['curl', 'Python', 'TypeScript', 'LangChain', 'LangChain.js', 'Vercel AI SDK'])
      assert.ok(tabs.has(tab), tab)
    for (const block of blocks) {
      assert.ok(block.code.includes(`${gateway.url}/v1`), `${block.tab}: base URL`)
      assert.ok(block.code.includes('YOUR_API_KEY'), `${block.tab}: key placeholder`)
    }
  })

  test('curl', async () => {
    const curls = blocks.filter((block) => block.tab === 'curl')
    assert.equal(curls.length, 3)
    for (const block of curls) {
      const { stdout } = await run('bash', ['-c', withKey(block.code)], { timeout: 30_000 })
      if (block.code.includes('"stream": true')) {
        assert.match(stdout, /^data: \{/m)
        assert.match(stdout, /^data: \[DONE\]$/m)
      } else {
        const answer = JSON.parse(stdout)
        assert.equal(answer.object, 'chat.completion', stdout)
        assert.ok(answer.choices[0].message.content.length > 0)
        if (block.code.includes('"usage"')) assert.equal(typeof answer.usage.cost, 'number')
      }
    }
  })

  test('TypeScript with the openai package', async () => {
    const scripts = blocks.filter((block) => block.tab === 'TypeScript')
    assert.equal(scripts.length, 3)
    for (const [index, block] of scripts.entries()) {
      const file = join(SCRATCH, `quickstart-${index}.mts`)
      writeFileSync(file, withKey(block.code))
      const { stdout } = await run(NODE, ['--disable-warning=ExperimentalWarning', file], { timeout: 30_000 })
      assert.ok(stdout.trim().length > 0, `snippet ${index} printed nothing`)
      if (block.code.includes('usage')) assert.match(stdout, /cost in USD: \d/)
    }
  })

  for (const [tab, name] of [
    ['Vercel AI SDK', 'ai-sdk'],
    ['LangChain.js', 'langchain'],
  ] as const) {
    test(tab, async () => {
      const [block] = blocks.filter((candidate) => candidate.tab === tab)
      assert.ok(block)
      const file = join(SCRATCH, `quickstart-${name}.mts`)
      writeFileSync(file, withKey(block.code))
      const { stdout } = await run(NODE, ['--disable-warning=ExperimentalWarning', file], { timeout: 30_000 })
      assert.ok(stdout.trim().length > 0)
    })
  }

  test('Python (openai and LangChain)', async (t) => {
    const pythons = blocks.filter((block) => block.language === 'python')
    assert.ok(pythons.length >= 4)
    for (const block of pythons) assert.deepEqual(await checkPython(block.code), [], block.code)
    const skipped: string[] = []
    const has = { openai: await pythonHas('openai'), langchain_openai: await pythonHas('langchain_openai') }
    for (const block of pythons) {
      const module = block.tab === 'LangChain' ? 'langchain_openai' : 'openai'
      if (!has[module]) {
        skipped.push(block.tab ?? 'python')
        continue
      }
      const { stdout } = await run('python3', ['-c', withKey(block.code)], { timeout: 60_000 })
      assert.ok(stdout.trim().length > 0)
    }
    if (skipped.length > 0) {
      t.skip(
        `SKIP Python packages missing (openai / langchain-openai): ${skipped.length} snippets parsed and checked, not run`,
      )
    }
  })
})

describe('every Python snippet of the buyer docs keeps gateway fields in extra_body', () => {
  test('parse and check', async () => {
    const gateway = await startDocsGateway()
    try {
      let checked = 0
      for (const path of docsPaths()) {
        const page = await (await fetch(`${gateway.url}${path}`)).text()
        for (const block of codeBlocks(page)) {
          if (block.language !== 'python') continue
          assert.deepEqual(await checkPython(block.code), [], `${path}:\n${block.code}`)
          checked++
        }
      }
      assert.ok(checked >= 6, `checked ${checked} Python snippets`)
      // The check itself catches the seed's mistake.
      assert.deepEqual(
        await checkPython('client.chat.completions.create(model="m", byok_conf={"provider": "openai"})'),
        ['keyword byok_conf= (the SDK raises TypeError)', '"provider" outside extra_body'],
      )
      assert.deepEqual(await checkPython('body = {"model": "m", "provider": {"sort": "price"}}'), [
        '"provider" outside extra_body',
      ])
    } finally {
      await gateway.close()
    }
  })
})

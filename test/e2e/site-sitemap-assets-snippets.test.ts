/**
 * The public site's crawlable parts and snippets: the sitemap lists every page (each answers
 * 200) and robots points at it; assets revalidate with an ETag and are gzipped when accepted;
 * the curl, TypeScript and Python snippets of the pages run as printed.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { docsPaths } from '../../src/site/docs-pages.ts'
import { catalog, page, SIM } from '../helpers/site-pages.ts'
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

describe('public site: sitemap, robots and assets', () => {
  let gateway: TestGateway
  before(async () => {
    gateway = await startTestGateway({ providers: [SIM], models: catalog() })
  })
  after(() => gateway.close())

  test('sitemap: absolute URLs of every page, each answers 200; robots points at it', async () => {
    const { response, text } = await page(gateway, '/sitemap.xml')
    assert.equal(response.status, 200)
    const urls = [...text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((match) => match[1]!)
    assert.deepEqual(urls.slice(0, 4), [
      `${gateway.url}/`,
      `${gateway.url}/models`,
      `${gateway.url}/models/sim-echo`,
      `${gateway.url}/models/secret-model`,
    ])
    // Then the docs (every rendered page) and the API reference.
    const rest = urls.slice(4).map((url) => url.slice(gateway.url.length))
    assert.deepEqual(rest, [...docsPaths(), '/docs/api'])
    for (const url of urls) {
      const answer = await fetch(url)
      assert.equal(answer.status, 200, url)
      await answer.text()
    }
    const robots = await page(gateway, '/robots.txt')
    assert.match(robots.text, new RegExp(`Sitemap: ${gateway.url}/sitemap.xml`))
  })

  test('assets: ETag revalidation, gzip when accepted, 404 for an unknown file', async () => {
    const first = await fetch(`${gateway.url}/site/assets/site.css`, {
      headers: { 'accept-encoding': 'identity' },
    })
    const css = await first.text()
    assert.equal(first.status, 200)
    assert.equal(first.headers.get('content-type'), 'text/css; charset=utf-8')
    const etag = first.headers.get('etag')!
    const again = await fetch(`${gateway.url}/site/assets/site.css`, { headers: { 'if-none-match': etag } })
    assert.equal(again.status, 304)
    const { request } = await import('node:http')
    const gzipped = await new Promise<Buffer>((resolve, reject) => {
      request(`${gateway.url}/site/assets/site.css`, { headers: { 'accept-encoding': 'gzip' } }, (answer) => {
        assert.equal(answer.headers['content-encoding'], 'gzip')
        const chunks: Buffer[] = []
        answer.on('data', (chunk: Buffer) => chunks.push(chunk))
        answer.on('end', () => resolve(Buffer.concat(chunks)))
      })
        .on('error', reject)
        .end()
    })
    assert.equal(gunzipSync(gzipped).toString(), css)
    const js = await fetch(`${gateway.url}/site/assets/site.js`)
    assert.ok((await js.arrayBuffer()).byteLength < 10_240, 'site.js within the 10 KB budget')
    const missing = await fetch(`${gateway.url}/site/assets/nope.js`)
    assert.equal(missing.status, 404)
    await missing.text()
    const brand = await page(gateway, '/site/brand.css')
    assert.match(brand.text, /--accent: #1f5fd1/)
    const icon = await page(gateway, '/site/favicon.svg')
    assert.equal(icon.response.headers.get('content-type'), 'image/svg+xml')
    assert.match(icon.text, /fill="#1f5fd1"\/>.*>O<\/text>/s)
  })
})

/** The code blocks of a page, unescaped, by language. */
function codeBlocks(page: string): { language: string; code: string }[] {
  return [...page.matchAll(/<code class="language-(\w+)">([\s\S]*?)<\/code>/g)].map((match) => ({
    language: match[1]!,
    code: match[2]!
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&amp;', '&'),
  }))
}

describe('public site: snippets run as printed', () => {
  const run = promisify(execFile)
  const root = join(import.meta.dirname, '..', '..')
  // Beside the repository's node_modules (so `openai` resolves), kept out of git.
  const scratch = join(root, 'test-results', 'site-snippets')
  let gateway: TestGateway
  let pythonOpenAi = false
  before(async () => {
    gateway = await startTestGateway({ providers: [SIM], models: catalog() })
    mkdirSync(scratch, { recursive: true })
    pythonOpenAi = await run('python3', ['-c', 'import openai'], { timeout: 20_000 }).then(
      () => true,
      () => false,
    )
    if (!pythonOpenAi) console.log('# python3 has no openai package: Python snippets are parsed, not run')
  })
  after(() => gateway.close())

  test('curl, TypeScript and Python snippets of the home page and of the pooled lanes answer from sim', async () => {
    const env = { ...process.env, ONEKEY_API_KEY: gateway.apiKey }
    const pages = [(await page(gateway, '/')).text, (await page(gateway, '/models/sim-echo')).text]
    // BYOK snippets need a stored provider key first (the page says so): the pooled lanes run here.
    const blocks = pages.flatMap(codeBlocks).filter((block) => !block.code.includes('byok/'))
    assert.equal(blocks.filter((block) => block.language === 'bash').length, 3)
    assert.equal(blocks.filter((block) => block.language === 'ts').length, 3)
    assert.equal(blocks.filter((block) => block.language === 'python').length, 3)
    for (const [index, block] of blocks.entries()) {
      assert.ok(block.code.includes(`${gateway.url}/v1`), block.code)
      if (block.language === 'bash') {
        const { stdout } = await run('bash', ['-c', block.code], { env, timeout: 30_000 })
        assert.equal(JSON.parse(stdout).object, 'chat.completion', stdout)
      } else if (block.language === 'ts') {
        const file = join(scratch, `snippet-${index}.mts`)
        writeFileSync(file, block.code)
        const { stdout } = await run(join(root, 'node_modules', '.bin', 'node'), [file], {
          env,
          timeout: 30_000,
        })
        assert.ok(stdout.trim().length > 0, 'the answer is printed')
      } else {
        assert.equal(block.language, 'python')
        const file = join(scratch, `snippet-${index}.py`)
        writeFileSync(file, block.code)
        // Parsed always; run when the `openai` package is importable (it is not installed here).
        await run('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', file], {
          timeout: 20_000,
        })
        if (pythonOpenAi) {
          const { stdout } = await run('python3', [file], { env, timeout: 30_000 })
          assert.ok(stdout.trim().length > 0, 'the answer is printed')
        }
      }
    }
  })
})

/**
 * The console's first load stays small: the entry chunk and everything it imports statically,
 * gzipped, within 250 KB of JavaScript (read from Vite's manifest of the build `npm ci` makes).
 * Pages are lazy chunks; a chart library only loads with a page that draws a chart.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { CONSOLE_DIRECTORY } from '../src/server/console-services.ts'

interface ManifestChunk {
  file: string
  isEntry?: boolean
  imports?: string[]
  dynamicImports?: string[]
}

const BUDGET_BYTES = 250 * 1024

test('first load of the console: at most 250 KB of gzipped JavaScript, pages loaded on demand', () => {
  const manifestPath = join(CONSOLE_DIRECTORY, '.vite', 'manifest.json')
  assert.ok(existsSync(manifestPath), 'the console is built (npm ci runs npm run build:console)')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, ManifestChunk>
  const entries = Object.entries(manifest).filter(([, chunk]) => chunk.isEntry)
  assert.equal(entries.length, 1)
  const seen = new Set<string>()
  const visit = (name: string) => {
    if (seen.has(name)) return
    seen.add(name)
    for (const imported of manifest[name]?.imports ?? []) visit(imported)
  }
  visit(entries[0]![0])
  let gzipped = 0
  for (const name of seen)
    gzipped += gzipSync(readFileSync(join(CONSOLE_DIRECTORY, manifest[name]!.file))).byteLength
  console.log(
    `# console first load: ${(gzipped / 1024).toFixed(1)} KB gzipped JavaScript in ${seen.size} chunk(s)`,
  )
  assert.ok(gzipped <= BUDGET_BYTES, `${gzipped} bytes gzipped > ${BUDGET_BYTES}`)
  // Pages are split out: the entry imports some of them dynamically, and uPlot is never on the first load.
  assert.ok((entries[0]![1].dynamicImports ?? []).length >= 10, 'pages are lazy chunks')
  for (const name of seen)
    assert.doesNotMatch(readFileSync(join(CONSOLE_DIRECTORY, manifest[name]!.file), 'utf8'), /uPlot/)
})

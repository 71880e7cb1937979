import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { GATEWAY_ENV, GATEWAY_NODE_FLAGS } from './bench-setup.ts'

const ROOT = join(import.meta.dirname, '..')
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')

test('the bench starts the gateway as npm start, bin/onekey and the image do', () => {
  const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
  assert.equal(packageJson.scripts.start, 'bin/onekey serve')

  const launcher = read('bin/onekey')
  const exec = launcher.split('\n').find((line) => line.startsWith('exec '))
  assert.ok(exec !== undefined, 'bin/onekey ends in exec')
  const image = read('Dockerfile')
  const command = image.split('\n').find((line) => line.startsWith('CMD '))
  assert.ok(command !== undefined, 'the image has a CMD')
  const imageFlags = (JSON.parse(command.slice(4)) as string[]).filter((part) => part.startsWith('--'))
  const launcherFlags = exec.split(' ').filter((part) => part.startsWith('--'))
  for (const flags of [launcherFlags, imageFlags]) {
    assert.deepEqual(
      flags.filter((flag) => flag !== '--disable-warning=ExperimentalWarning'),
      [...GATEWAY_NODE_FLAGS],
    )
  }
  assert.match(
    launcher,
    new RegExp(`MALLOC_ARENA_MAX="\\$\\{MALLOC_ARENA_MAX:-${GATEWAY_ENV.MALLOC_ARENA_MAX}\\}"`),
  )
  assert.match(image, new RegExp(`MALLOC_ARENA_MAX=${GATEWAY_ENV.MALLOC_ARENA_MAX}$`, 'm'))
})

/**
 * `onekey serve` and the `onekey` CLI as real child processes, for tests of what only a process
 * shows (SIGKILL, SIGTERM, several instances). The caller kills what it started.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)
const NODE = process.execPath
const CLI = join(import.meta.dirname, '../../src/cli/onekey.ts')

/** Runs `onekey <args> --config <configPath>` and resolves to its stdout. */
export function onekeyCommand(
  configPath: string,
  env: NodeJS.ProcessEnv = process.env,
): (...args: string[]) => Promise<string> {
  return async (...args) =>
    (
      await run(NODE, ['--disable-warning=ExperimentalWarning', CLI, ...args, '--config', configPath], {
        env,
      })
    ).stdout
}

/** Starts `onekey serve` and resolves once it listens (15 s at most), with its URL. */
export async function startServeProcess(
  configPath: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(NODE, ['--disable-warning=ExperimentalWarning', CLI, 'serve', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  for (let waited = 0; !output.includes('"listening"') && waited < 15_000; waited += 50) {
    if (child.exitCode !== null) break
    await sleep(50)
  }
  const line = output.split('\n').find((text) => text.includes('"listening"'))
  if (line === undefined) child.kill('SIGKILL')
  assert.ok(line, `server started: ${output}`)
  return { child, url: JSON.parse(line).url }
}

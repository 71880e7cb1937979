/**
 * Shared by the alert tests: a fast delivery config, the docs' verification snippet loaded as a
 * module, polling, and event and spend-observation builders.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AlertsConfig } from '../../src/config/config.ts'
import type { AlertEvent, SpendObservation } from '../../src/contracts/alert-events.ts'
import { createLogger } from '../../src/logging/logger.ts'

export const FAST: AlertsConfig = {
  pollIntervalMs: 20,
  retryBaseMs: 60,
  retryForMs: 60_000,
  timeoutMs: 400,
  allowPrivateWebhookTargets: true,
}
export const silent = createLogger({ level: 'silent' })
export const noMail = { send: async () => {} }

export type Verify = (rawBody: string, header: string, secret: string, toleranceSeconds?: number) => boolean

/** The verification snippet of docs/alerts.md, loaded as a module: what integrators copy is what is tested. */
export async function documentedVerifier(): Promise<Verify> {
  const doc = await readFile(new URL('../../docs/alerts.md', import.meta.url), 'utf8')
  const code = /```js\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('## Verifying the signature')))?.[1]
  assert.ok(code, 'docs/alerts.md has a js snippet under "Verifying the signature"')
  const directory = await mkdtemp(join(tmpdir(), 'onekey-alerts-'))
  const file = join(directory, 'verify.mjs')
  await writeFile(file, `${code}\nexport { verifyOneKeySignature }\n`)
  try {
    return (await import(pathToFileURL(file).href)).verifyOneKeySignature as Verify
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
}

export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  ms = 5_000,
) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function event(workspaceId: string, key: string, extra: Partial<AlertEvent> = {}): AlertEvent {
  return {
    workspaceId,
    kind: 'payment.refunded',
    dedupeKey: key,
    summary: `Payment refunded (${key})`,
    data: { purchase: 'pur_1', amount: '10' },
    at: new Date().toISOString(),
    ...extra,
  }
}

export function spend(workspaceId: string, entryId: string, before: number, after: number): SpendObservation {
  return {
    workspaceId,
    balanceBeforeNano: before,
    balanceAfterNano: after,
    heldAfterNano: 0,
    budgets: [],
    entryId,
    at: new Date().toISOString(),
  }
}

/**
 * The embedded default's BYOK master key: with no `ONEKEY_MASTER_KEY`, SQLite on disk and not
 * production, the gateway generates `master.key` beside the database (mode 0600) and BYOK storage
 * works; the next start reuses it; a file others can read is refused; production configs and
 * in-memory SQLite get no file (BYOK storage stays off).
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { loadLocalMasterKey } from '../../src/byok/local-master-key.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { startGateway } from '../../src/server/start-gateway.ts'
import { CUSTOMER_KEY, messages } from '../helpers/lanes-setup.ts'
import { readJson, startTestGateway, type TestGateway, testConfig } from '../helpers/test-gateway.ts'

const folders: string[] = []
function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'onekey-master-key-'))
  folders.push(folder)
  return folder
}
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

function documentFor(folder: string): Record<string, unknown> {
  return {
    storage: { url: `sqlite:${join(folder, 'onekey.db')}` },
    providers: [{ name: 'sim', kind: 'sim', byok: true }],
    models: [{ id: 'sim-echo', offers: [{ lane: 'byok', provider: 'sim', price: { input: 0, output: 0 } }] }],
  }
}

async function putByok(gateway: TestGateway): Promise<Response> {
  const { key } = await gateway.service.createApiKey({
    workspace: gateway.workspaceId,
    name: 'manage',
    management: true,
  })
  return fetch(`${gateway.url}/api/v1/byok/sim`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ api_key: CUSTOMER_KEY }),
  })
}

const chat = (url: string, apiKey: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'byok/sim/sim-echo', messages }),
  })

describe('local BYOK master key (embedded default)', () => {
  test('the first start generates master.key (0600) beside the database; the next start reuses it', async () => {
    const folder = tempFolder()
    const keyFile = join(folder, 'master.key')
    const first = await startTestGateway(documentFor(folder))
    let apiKey: string
    try {
      assert.equal(first.config.secrets.masterKeyFile, keyFile)
      assert.ok(existsSync(keyFile), 'the key file is created')
      if (process.platform !== 'win32') assert.equal(statSync(keyFile).mode & 0o777, 0o600)
      assert.match(readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/)
      first.gateway.logger.flush()
      const warned = first.logs.filter((line) => line.level === 'warn' && String(line.msg).includes(keyFile))
      assert.equal(warned.length, 1, 'the generated file is logged once, at warn level')
      assert.match(String(warned[0]!.msg), /ONEKEY_MASTER_KEY/)

      const saved = await putByok(first)
      assert.equal(saved.status, 200, JSON.stringify(await saved.clone().json()))
      apiKey = first.apiKey
      const served = await chat(first.url, apiKey)
      assert.equal(served.status, 200, JSON.stringify(await served.clone().json()))
    } finally {
      await first.close()
    }
    const content = readFileSync(keyFile, 'utf8')

    // A second start finds the same key: the stored credential still decrypts.
    const second = await startTestGateway(documentFor(folder), {}, { workspaceName: 'second' })
    try {
      second.gateway.logger.flush()
      assert.equal(readFileSync(keyFile, 'utf8'), content, 'the key is reused, not regenerated')
      assert.equal(
        second.logs.filter((line) => String(line.msg).includes('generated the BYOK master key')).length,
        0,
      )
      const served = await chat(second.url, apiKey)
      assert.equal(served.status, 200, JSON.stringify(await served.clone().json()))
    } finally {
      await second.close()
    }
  })

  test('a key file other users can read is refused with a message', async () => {
    const folder = tempFolder()
    const keyFile = join(folder, 'master.key')
    writeFileSync(keyFile, `${'a1'.repeat(32)}\n`, { mode: 0o644 })
    if (process.platform === 'win32') return
    const logger = createLogger({ level: 'silent' })
    await assert.rejects(startGateway(testConfig(documentFor(folder)), { logger }), (error: Error) => {
      assert.match(error.message, /readable by other users \(mode 0644\)/)
      assert.ok(error.message.includes(`chmod 600 ${keyFile}`))
      return true
    })
    assert.throws(() => loadLocalMasterKey(keyFile), /readable by other users/)
  })

  test('a file that does not hold a key is refused', () => {
    const keyFile = join(tempFolder(), 'master.key')
    writeFileSync(keyFile, 'not a key\n', { mode: 0o600 })
    assert.throws(() => loadLocalMasterKey(keyFile), /must hold 32 bytes/)
  })

  test('production and in-memory SQLite get no file: BYOK storage stays off', async () => {
    const folder = tempFolder()
    const production = testConfig(documentFor(folder), { NODE_ENV: 'production' })
    assert.equal(production.secrets.masterKeyFile, null)
    const gateway = await startTestGateway(documentFor(folder), { NODE_ENV: 'production' })
    try {
      assert.ok(!existsSync(join(folder, 'master.key')), 'no key file in production')
      const refused = await putByok(gateway)
      assert.equal(refused.status, 400)
      assert.match((await readJson(refused)).error.message, /BYOK credential storage is off/)
    } finally {
      await gateway.close()
    }

    const memory = testConfig({ ...documentFor(folder), storage: { url: 'sqlite::memory:' } })
    assert.equal(memory.secrets.masterKeyFile, null)
    const postgres = testConfig({ ...documentFor(folder), storage: { url: 'postgres://localhost/onekey' } })
    assert.equal(postgres.secrets.masterKeyFile, null)
    const fromEnv = testConfig(documentFor(folder), { ONEKEY_MASTER_KEY: 'c3'.repeat(32) })
    assert.equal(fromEnv.secrets.masterKeyFile, null, 'an environment key wins')
  })

  test('a second load reuses the generated file, creating its folder first', () => {
    const keyFile = join(tempFolder(), 'nested', 'master.key')
    const first = loadLocalMasterKey(keyFile)
    const second = loadLocalMasterKey(keyFile)
    assert.equal(first.created, true)
    assert.equal(second.created, false)
    assert.deepEqual(first.key, second.key)
  })
})

import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildConfig, ConfigError, loadConfig, parseStorageUrl } from './config.ts'

const minimal = {
  providers: [{ name: 'sim', kind: 'sim' }],
  models: [{ id: 'm', routes: [{ provider: 'sim' }] }],
}

test('defaults fill everything a minimal config leaves out', () => {
  const config = buildConfig(minimal, {})
  assert.equal(config.server.port, 8787)
  assert.equal(config.server.bodyLimitBytes, 4 * 1024 * 1024)
  assert.deepEqual(config.storage, { kind: 'sqlite', path: './data/onekey.db', autoMigrate: true })
  assert.equal(config.providers[0]!.accounts[0]!.name, 'local')
  assert.deepEqual(config.models[0]!.routes, [{ provider: 'sim', model: 'm' }])
  assert.equal(config.providers[0]!.timeouts.firstByteMs, 60_000)
})

test('secrets come from the environment variable named in the file', () => {
  const config = buildConfig(
    {
      providers: [
        { name: 'openai', kind: 'openai', accounts: [{ name: 'main', api_key_env: 'MY_KEY', weight: 2 }] },
      ],
    },
    { MY_KEY: 'sk-secret' },
  )
  assert.deepEqual(config.providers[0]!.accounts[0], {
    name: 'main',
    apiKey: 'sk-secret',
    weight: 2,
    baseUrl: 'https://api.openai.com/v1',
  })
})

test('every bad field is named', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...minimal, server: { port: 'eighty' } }, /server\.port/],
    [{ ...minimal, surprise: true }, /Unrecognized key.*surprise|surprise/],
    [{ providers: [] }, /providers/],
    [{ providers: [{ name: 'Bad Name', kind: 'sim' }] }, /providers\.0\.name/],
    [{ providers: [{ name: 'x', kind: 'nope' }] }, /providers\.0\.kind/],
    [
      { providers: [{ name: 'x', kind: 'openai-compatible', accounts: [{ name: 'a', api_key_env: 'K' }] }] },
      /providers\.0\.base_url: required/,
    ],
    [
      { providers: [{ name: 'x', kind: 'openai', accounts: [{ name: 'a', api_key_env: 'MISSING' }] }] },
      /providers\.0\.accounts\.0\.api_key_env: environment variable MISSING is not set/,
    ],
    [{ providers: [{ name: 'x', kind: 'openai', accounts: [] }] }, /providers\.0\.accounts: at least one/],
    [
      { ...minimal, models: [{ id: 'm', routes: [{ provider: 'ghost' }] }] },
      /models\.0\.routes\.0\.provider: unknown provider "ghost"/,
    ],
    [{ ...minimal, models: [...minimal.models, ...minimal.models] }, /models\.1\.id: duplicate/],
    [{ ...minimal, storage: { url: 'mysql://x' } }, /storage\.url/],
  ]
  for (const [document, message] of cases) {
    assert.throws(
      () => buildConfig(document, {}),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError)
        assert.match(error.message, message)
        return true
      },
    )
  }
})

test('management commands may run without provider secrets', () => {
  const document = {
    providers: [{ name: 'x', kind: 'openai', accounts: [{ name: 'a', api_key_env: 'MISSING' }] }],
  }
  assert.equal(
    buildConfig(document, {}, 'inline', { requireSecrets: false }).providers[0]!.accounts[0]!.apiKey,
    '',
  )
})

test('environment overrides the file; storage URLs parse by scheme', () => {
  const config = buildConfig(minimal, { ONEKEY_PORT: '9999', ONEKEY_STORAGE_URL: 'postgres://u@h:5432/d' })
  assert.equal(config.server.port, 9999)
  assert.deepEqual(config.storage, { kind: 'postgres', url: 'postgres://u@h:5432/d', autoMigrate: true })
  assert.deepEqual(parseStorageUrl('sqlite::memory:'), { kind: 'sqlite', path: ':memory:' })
  assert.throws(() => buildConfig(minimal, { ONEKEY_PORT: 'x' }), /ONEKEY_PORT/)
})

test('loadConfig reads YAML and reports syntax errors with the file name', () => {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-config-'))
  const good = join(directory, 'good.yaml')
  writeFileSync(good, 'providers:\n  - name: sim\n    kind: sim\n')
  assert.equal(loadConfig({ configPath: good, env: {} }).source, good)
  const bad = join(directory, 'bad.yaml')
  writeFileSync(bad, 'providers: [\n')
  assert.throws(() => loadConfig({ configPath: bad, env: {} }), /bad\.yaml is not valid YAML/)
  assert.throws(
    () => loadConfig({ configPath: join(directory, 'none.yaml'), env: {} }),
    /cannot read config file/,
  )
})

test('the shipped example config is valid offline', () => {
  const config = loadConfig({ configPath: 'onekey.example.yaml', env: {} })
  assert.equal(config.providers[0]!.kind, 'sim')
  assert.ok(config.models.some((model) => model.id === 'sim-echo'))
})

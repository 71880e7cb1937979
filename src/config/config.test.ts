import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { buildConfig, ConfigError, loadConfig, parseStorageUrl } from './config.ts'

const minimal = {
  providers: [{ name: 'sim', kind: 'sim' }],
  models: [{ id: 'm', offers: [{ lane: 'cheap', provider: 'sim', price: { input: '0.1', output: '0.4' } }] }],
}

test('defaults fill everything a minimal config leaves out', () => {
  const config = buildConfig(minimal, {})
  assert.equal(config.server.port, 8787)
  assert.equal(config.server.bodyLimitBytes, 4 * 1024 * 1024)
  assert.deepEqual(config.storage, { kind: 'sqlite', path: './data/onekey.db', autoMigrate: true })
  assert.deepEqual(
    config.providers[0]!.accounts.map((account) => `${account.name}:${account.trust}`),
    ['pool:pooled', 'official:official'],
  )
  const offer = config.models[0]!.offers[0]!
  assert.equal(offer.upstreamModel, 'm')
  assert.deepEqual(offer.price, { input: 100_000, output: 400_000, cachedInput: 100_000, request: 0 })
  assert.equal(offer.published, false, 'prices are unpublished until approved')
  // Undeclared input: a chat model takes text and images (files and audio only when declared).
  assert.deepEqual(config.models[0]!.modalities.input, ['text', 'image'])
  assert.deepEqual(offer.inputModalities, ['text', 'image'])
  assert.deepEqual(
    offer.accounts.map((account) => account.name),
    ['pool'],
    'cheap offers get pooled accounts only',
  )
  assert.equal(config.workspaces.defaultLane, 'cheap')
  assert.equal(config.secrets.masterKey, null)
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
    trust: 'pooled',
    group: 'default',
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
      {
        ...minimal,
        models: [{ id: 'm', offers: [{ lane: 'cheap', provider: 'ghost', price: { input: 1, output: 1 } }] }],
      },
      /models\.0\.offers\.0\.provider: unknown provider "ghost"/,
    ],
    [{ ...minimal, models: [{ id: 'm', offers: [] }] }, /models\.0\.offers/],
    [
      { ...minimal, models: [{ id: 'm', offers: [{ lane: 'cheap', provider: 'sim' }] }] },
      /models\.0\.offers\.0\.price/,
    ],
    [
      {
        ...minimal,
        models: [
          { id: 'm', offers: [{ lane: 'cheap', provider: 'sim', price: { input: '0.0000001', output: 1 } }] },
        ],
      },
      /models\.0\.offers\.0\.price\.input: at most 6 decimal places/,
    ],
    [
      { ...minimal, models: [{ ...minimal.models[0], id: 'cheap/m' }] },
      /models\.0\.id: "cheap\/m" starts with a lane prefix/,
    ],
    [
      {
        ...minimal,
        models: [
          { ...minimal.models[0], aliases: ['m2'] },
          { ...minimal.models[0], id: 'm2' },
        ],
      },
      /models\.1\.id: "m2" is already used by model "m"/,
    ],
    [
      {
        providers: [
          { name: 'x', kind: 'openai', accounts: [{ name: 'pool-1', api_key_env: 'K', group: 'mixed' }] },
        ],
        models: [{ id: 'm', offers: [{ lane: 'resale', provider: 'x', price: { input: 1, output: 1 } }] }],
      },
      /models\.0\.offers\.0: resale offers use official accounts only; provider "x" has none/,
    ],
    [
      {
        providers: [
          {
            name: 'x',
            kind: 'openai',
            accounts: [
              { name: 'o', api_key_env: 'K', trust: 'official', group: 'g' },
              { name: 'p', api_key_env: 'K', trust: 'pooled', group: 'g' },
            ],
          },
        ],
        models: [
          {
            id: 'm',
            offers: [{ lane: 'resale', provider: 'x', group: 'g', price: { input: 1, output: 1 } }],
          },
        ],
      },
      /models\.0\.offers\.0\.group: resale offers use official accounts only; p in group "g" is pooled/,
    ],
    [
      {
        providers: [{ name: 'x', kind: 'sim', byok: false }],
        models: [{ id: 'm', offers: [{ lane: 'byok', provider: 'x', price: { input: 0, output: 0 } }] }],
      },
      /models\.0\.offers\.0\.provider: provider "x" has byok: false/,
    ],
    [
      { ...minimal, models: [...minimal.models, ...minimal.models] },
      /models\.1\.id: "m" is already used by model "m"/,
    ],
    [
      {
        ...minimal,
        models: [
          {
            id: 'm',
            modalities: { input: ['text'] },
            offers: [
              {
                lane: 'cheap',
                provider: 'sim',
                price: { input: 1, output: 1 },
                modalities: { input: ['file'] },
              },
            ],
          },
        ],
      },
      /models\.0\.offers\.0\.modalities\.input: file is not in the model's input \(text\); an offer can only narrow it/,
    ],
    [{ ...minimal, storage: { url: 'mysql://x' } }, /storage\.url/],
  ]
  for (const [document, message] of cases) {
    assert.throws(
      () => buildConfig(document, { K: 'k' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError)
        assert.match(error.message, message)
        return true
      },
    )
  }
})

test('the master key is 32 bytes as hex or base64; earlier keys are kept for rotation', () => {
  const hex = 'ab'.repeat(32)
  const base64 = Buffer.alloc(32, 7).toString('base64')
  const config = buildConfig(minimal, { ONEKEY_MASTER_KEY: hex, ONEKEY_PREVIOUS_MASTER_KEYS: `${base64}, ` })
  assert.deepEqual(config.secrets.masterKey, Buffer.from(hex, 'hex'))
  assert.deepEqual(config.secrets.previousMasterKeys, [Buffer.alloc(32, 7)])
  assert.throws(
    () => buildConfig(minimal, { ONEKEY_MASTER_KEY: 'too-short' }),
    /ONEKEY_MASTER_KEY must hold 32 bytes/,
  )
  assert.throws(() => buildConfig(minimal, { ONEKEY_ADMIN_TOKEN: 'short' }), /at least 24 characters/)
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

test('an empty config file says so and points at the example config', () => {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-config-'))
  for (const [name, text] of [
    ['empty.yaml', ''],
    ['comments.yaml', '# nothing here yet\n'],
  ] as const) {
    const path = join(directory, name)
    writeFileSync(path, text)
    assert.throws(
      () => loadConfig({ configPath: path, env: {} }),
      (error: Error) =>
        error instanceof ConfigError &&
        error.message.includes(`config file ${path} is empty`) &&
        error.message.includes('onekey.example.yaml') &&
        !error.message.includes('expected object'),
    )
  }
  assert.throws(() => buildConfig(null, {}), /the config is empty: start from onekey\.example\.yaml/)
})

test('an unknown field suggests the closest valid one', () => {
  const cases: [unknown, string][] = [
    [{ ...minimal, server: { prot: 8080 } }, 'server.prot: unknown field; did you mean "port"?'],
    [{ ...minimal, server: { Port: 8080 } }, 'server.Port: unknown field; did you mean "port"?'],
    [
      { ...minimal, server: { bodylimitbytes: 1 } },
      'server.bodylimitbytes: unknown field; did you mean "body_limit_bytes"?',
    ],
    [
      { ...minimal, storage: { url: 'sqlite::memory:', auto_migrat: true } },
      'storage.auto_migrat: unknown field; did you mean "auto_migrate"?',
    ],
    [{ ...minimal, provders: [] }, 'provders: unknown field; did you mean "providers"?'],
    [
      { ...minimal, providers: [{ name: 'sim', kind: 'sim', acounts: [] }] },
      'providers.0.acounts: unknown field; did you mean "accounts"?',
    ],
    [
      { ...minimal, providers: [{ name: 'sim', kind: 'sim', timeouts: { idel_ms: 1 } }] },
      'providers.0.timeouts.idel_ms: unknown field; did you mean "idle_ms"?',
    ],
  ]
  for (const [document, line] of cases)
    assert.throws(
      () => buildConfig(document, {}),
      (error: Error) =>
        error.message.split('\n').some((text) => text.trim() === line) || assert.fail(error.message),
    )
  // Nothing close: no guess, but the valid fields are listed.
  assert.throws(
    () => buildConfig({ ...minimal, server: { wibble: 1 } }, {}),
    (error: Error) =>
      /server\.wibble: unknown field; valid fields: host, port,/.test(error.message) &&
      !error.message.includes('did you mean'),
  )
})

test('the shipped example config is valid offline', () => {
  const config = loadConfig({ configPath: 'onekey.example.yaml', env: {} })
  assert.equal(config.providers[0]!.kind, 'sim')
  assert.ok(config.models.some((model) => model.id === 'sim-echo'))
})

test('resale prices can come from the upstream cost and a margin, exactly', () => {
  const config = buildConfig(
    {
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [
        {
          id: 'm',
          offers: [
            {
              lane: 'resale',
              provider: 'sim',
              upstream_cost: { input: '2.5', output: '10', cached_input: '1.25' },
              margin_percent: '12.5',
            },
          ],
        },
      ],
    },
    {},
  )
  const offer = config.models[0]!.offers[0]!
  assert.deepEqual(offer.upstreamCost, {
    input: 2_500_000,
    output: 10_000_000,
    cachedInput: 1_250_000,
    request: 0,
  })
  assert.deepEqual(offer.price, { input: 2_812_500, output: 11_250_000, cachedInput: 1_406_250, request: 0 })
  assert.throws(
    () =>
      buildConfig(
        {
          providers: [{ name: 'sim', kind: 'sim' }],
          models: [
            {
              id: 'm',
              offers: [{ lane: 'cheap', provider: 'sim', price: { input: 1, output: 1 }, margin_percent: 5 }],
            },
          ],
        },
        {},
      ),
    /margin_percent: give either price or upstream_cost/,
  )
})

test('prices use prompt/completion; input/output are aliases, never both in one price', () => {
  const withPrice = (price: Record<string, unknown>, field = 'price') => ({
    providers: [{ name: 'sim', kind: 'sim' }],
    models: [
      {
        id: 'm',
        offers: [
          {
            lane: 'resale',
            provider: 'sim',
            [field]: price,
            ...(field === 'price' ? {} : { margin_percent: 0 }),
          },
        ],
      },
    ],
  })
  const priceOf = (price: Record<string, unknown>) =>
    buildConfig(withPrice(price), {}).models[0]!.offers[0]!.price
  const expected = { input: 100_000, output: 400_000, cachedInput: 50_000, request: 0 }
  assert.deepEqual(priceOf({ prompt: '0.1', completion: '0.4', cached_input: '0.05' }), expected)
  assert.deepEqual(priceOf({ input: '0.1', output: '0.4', cached_input: '0.05' }), expected)
  assert.deepEqual(priceOf({ prompt: '0.1', output: '0.4', cached_input: '0.05' }), expected, 'mixed is fine')
  const reasoning = { prompt: '0.1', completion: '0.4', cached_input: '0.05' }
  assert.deepEqual(priceOf({ ...reasoning, reasoning: '1.2' }), { ...expected, reasoning: 1_200_000 })
  assert.deepEqual(priceOf({ ...reasoning, internal_reasoning: '1.2' }), {
    ...expected,
    reasoning: 1_200_000,
  })
  const cost = buildConfig(withPrice({ prompt: 1, completion: 2 }, 'upstream_cost'), {}).models[0]!.offers[0]!
  assert.deepEqual(cost.upstreamCost, {
    input: 1_000_000,
    output: 2_000_000,
    cachedInput: 1_000_000,
    request: 0,
  })
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { prompt: 1, input: 1, completion: 1 },
      /offers\.0\.price\.prompt: give prompt or its alias input, not both/,
    ],
    [
      { prompt: 1, completion: 1, output: 1 },
      /offers\.0\.price\.completion: give completion or its alias output/,
    ],
    [{ prompt: 1 }, /offers\.0\.price\.completion: required \(or its alias output\)/],
    [
      { prompt: 1, completion: 1, reasoning: 2, internal_reasoning: 2 },
      /offers\.0\.price\.reasoning: give reasoning or its alias internal_reasoning, not both/,
    ],
    [
      { prompt: 1, completion: 1, reasoning: '0.0000001' },
      /offers\.0\.price\.reasoning: at most 6 decimal places/,
    ],
    [{ prompt: 1, completion: 1, cached_prompt: 1 }, /offers\.0\.price\.cached_prompt: unknown field/],
    [{ prompt: '0.0000001', completion: 1 }, /offers\.0\.price\.prompt: at most 6 decimal places/],
    [{ input: 1, output: '0.0000001' }, /offers\.0\.price\.output: at most 6 decimal places/],
  ]
  for (const [price, message] of cases) {
    assert.throws(() => buildConfig(withPrice({ ...price }), {}), message)
  }
})

test('the docker-compose config is valid', () => {
  const config = loadConfig({
    configPath: 'deploy/onekey.yaml',
    env: {
      ONEKEY_STORAGE_URL: 'postgres://onekey:onekey@postgres:5432/onekey',
      ONEKEY_REDIS_URL: 'redis://redis:6379',
    },
  })
  assert.equal(config.storage.kind, 'postgres')
  assert.equal(config.limits.backend, 'redis', 'limits are shared by the two gateways')
  assert.equal(config.cache.backend, 'redis')
})

test('the example config with every commented provider and model block switched on is valid too', () => {
  const text = readFileSync('onekey.example.yaml', 'utf8')
    .split('\n')
    .map((line) => (/^\s*# (- |\s{2,}[a-z_]+:|\s+- )/.test(line) ? line.replace('# ', '') : line))
    .join('\n')
  const env = Object.fromEntries(
    ['OPENAI_API_KEY', 'OPENAI_API_KEY_2', 'DEEPSEEK_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY'].map(
      (name) => [name, 'k'],
    ),
  )
  const config = buildConfig(parseYaml(text), env, 'example, uncommented')
  assert.deepEqual(
    config.providers.map((provider) => provider.kind),
    ['sim', 'openai', 'deepseek', 'anthropic', 'gemini'],
  )
  assert.deepEqual(
    config.models.map((model) => model.id),
    ['sim-echo', 'gpt-4o-mini', 'claude-sonnet-4-5', 'text-embedding-004'],
  )
})

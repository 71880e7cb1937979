#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
/**
 * `onekey`: the operator CLI. A thin layer over the same services the HTTP layer uses; it never
 * runs SQL of its own.
 *
 *   onekey serve [--config FILE]
 *   onekey migrate
 *   onekey workspace create NAME | workspace list
 *   onekey workspace set WS [--default-lane cheap|resale] [--deny-data-collection|--allow-data-collection]
 *   onekey key create --workspace WS [--name NAME] [--expires-in 30d|12h] [--lanes L,…] [--models P,…] [--management]
 *   onekey key list [--workspace WS] | key revoke KEY_ID
 *   onekey byok set WS PROVIDER [--key-env VAR] | byok list WS | byok delete WS PROVIDER | byok rotate
 *   onekey codes create --amount USD [--count N] [--expires-in 30d] | codes redeem WS CODE
 *   onekey credits top-up WS AMOUNT [--idempotency-key K] [--kind …] [--reason R] | credits show WS | ledger verify
 *
 * Every command takes `--config FILE` and `--json`.
 *
 * @module
 */
import { parseArgs } from 'node:util'
import { ConfigError, type GatewayConfig, loadConfig } from '../config/config.ts'
import { describeError } from '../logging/logger.ts'
import { startGateway } from '../server/start-gateway.ts'
import { ServiceError } from '../services/workspace-service.ts'
import { StorageUnavailableError } from '../storage/storage-errors.ts'
import { runManagementCommand } from './management-commands.ts'

const USAGE = `usage: onekey <command> [options]

commands:
  serve                                  run the gateway
  migrate                                apply database migrations
  workspace create NAME                  create a workspace
  workspace list                         list workspaces
  workspace set WS [--default-lane cheap|resale] [--deny-data-collection|--allow-data-collection]
                   [--tier NAME] [--rpm N|tier] [--tpm N|tier] [--concurrency N|tier]
                                         change a workspace's lane, privacy and rate-limit settings
  key create --workspace WS [--name N] [--expires-in 30d] [--lanes cheap,resale] [--models 'gpt-4o*,cheap/*'] [--management]
             [--rpm N] [--tpm N] [--concurrency N]
                                         create an API key (shown once); restrict lanes/models;
                                         --management also allows the management API
  key list [--workspace WS]              list API keys (prefixes only)
  key revoke KEY_ID                      revoke an API key
  credits top-up WS AMOUNT [--idempotency-key K] [--kind purchase|adjustment|refund] [--reason R]
                                         add credits (USD; a purchase adds the purchase fee entry)
  credits show WS                        balance, held, available and the latest ledger entries
  codes create --amount USD [--count N] [--expires-in 30d]
                                         create single-use credit codes (shown once)
  codes redeem WS CODE                   redeem a code for a workspace
  ledger verify                          check every balance against its ledger entries and holds
  byok set WS PROVIDER [--key-env VAR]   store a workspace's own provider key, encrypted
                                         (read from VAR, else from stdin; never an argument)
  byok list WS                           stored BYOK keys (masked hints only)
  byok delete WS PROVIDER                delete a stored BYOK key
  user promote EMAIL                     make a console user an operator (operator pages, admin API)
  user demote EMAIL                      take the operator role away
  byok rotate                            re-encrypt every BYOK key with ONEKEY_MASTER_KEY
                                         (the old key in ONEKEY_PREVIOUS_MASTER_KEYS)

options:
  --config FILE   config file (default: $ONEKEY_CONFIG, ./onekey.yaml, ./onekey.example.yaml)
  --json          machine-readable output
`

async function serve(config: GatewayConfig, configPath: string | undefined): Promise<void> {
  const gateway = await startGateway(config, {
    loadConfig: () => loadConfig({ configPath: configPath ?? config.source }),
  })
  gateway.logger.info('listening', {
    url: gateway.url,
    config: config.source,
    storage: config.storage.kind,
    providers: config.providers.map((provider) => provider.name).join(','),
    models: config.models.length,
  })
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    gateway.logger.info('shutting down', { signal, grace_ms: config.server.shutdownGraceMs })
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        gateway.logger.error('shutdown failed', describeError(error))
        gateway.logger.flush()
        process.exit(1)
      },
    )
  }
  // SIGHUP re-reads the config file: catalog, offers and providers change without a restart.
  process.on('SIGHUP', () => {
    gateway
      .reload()
      .catch((error: unknown) =>
        gateway.logger.error('config reload failed; the running config stays', describeError(error)),
      )
  })
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  // A bug that escapes every handler leaves the process in an unknown state: say so in the
  // JSON log and exit for the supervisor to restart it, rather than limp on.
  const crash = (kind: string) => (error: unknown) => {
    gateway.logger.error(kind, describeError(error))
    gateway.logger.flush()
    process.exit(1)
  }
  process.on('uncaughtException', crash('uncaught exception'))
  process.on('unhandledRejection', crash('unhandled rejection'))
}

/** A secret piped on stdin (e.g. `printf %s "$KEY" | onekey byok set …`): never on the command line, where `ps` shows it. */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('paste the key, then press Enter and Ctrl-D: ')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8').trim()
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      workspace: { type: 'string' },
      name: { type: 'string' },
      'expires-in': { type: 'string' },
      lanes: { type: 'string' },
      models: { type: 'string' },
      management: { type: 'boolean' },
      'default-lane': { type: 'string' },
      'deny-data-collection': { type: 'boolean' },
      'allow-data-collection': { type: 'boolean' },
      'key-env': { type: 'string' },
      'idempotency-key': { type: 'string' },
      amount: { type: 'string' },
      count: { type: 'string' },
      tier: { type: 'string' },
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      concurrency: { type: 'string' },
      kind: { type: 'string' },
      reason: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const [command, ...rest] = positionals
  if (values.help || command === undefined) {
    process.stdout.write(USAGE)
    return command === undefined && !values.help ? 2 : 0
  }
  const config = loadConfig({ configPath: values.config, requireSecrets: command === 'serve' })
  if (command === 'serve') {
    await serve(config, values.config)
    return -1
  }
  const output = await runManagementCommand(config, [command, ...rest], {
    workspace: values.workspace,
    name: values.name,
    expiresIn: values['expires-in'],
    lanes: values.lanes,
    models: values.models,
    management: values.management,
    defaultLane: values['default-lane'],
    denyDataCollection: values['deny-data-collection'],
    allowDataCollection: values['allow-data-collection'],
    keyEnv: values['key-env'],
    idempotencyKey: values['idempotency-key'],
    amount: values.amount,
    count: values.count,
    tier: values.tier,
    rpm: values.rpm,
    tpm: values.tpm,
    concurrency: values.concurrency,
    kind: values.kind,
    reason: values.reason,
    json: values.json,
    readSecret: readStdin,
  })
  if (output === undefined) {
    process.stderr.write(USAGE)
    return 2
  }
  process.stdout.write(output)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code
  },
  (error: unknown) => {
    // Known errors are the operator's to fix: their message says what and how, without a stack.
    const known =
      error instanceof ConfigError ||
      error instanceof ServiceError ||
      error instanceof StorageUnavailableError ||
      (error as Error).name === 'TypeError'
    process.stderr.write(`onekey: ${known ? (error as Error).message : String(describeError(error).error)}\n`)
    process.exitCode = 1
  },
)

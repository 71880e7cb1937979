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
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ConfigError, type GatewayConfig, loadConfig } from '../config/config.ts'
import { closestKey } from '../config/config-messages.ts'
import { describeError } from '../logging/logger.ts'
import { startGateway } from '../server/start-gateway.ts'
import { ServiceError } from '../services/workspace-service.ts'
import { StorageUnavailableError } from '../storage/storage-errors.ts'
import { checkOptions, commandHelp, findCommand, UsageError, usage } from './command-table.ts'
import { runManagementCommand } from './management-commands.ts'

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

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

/** Every long option any command takes (each command's own are checked by command-table.ts). */
const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
  port: { type: 'string' },
  host: { type: 'string' },
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
  total: { type: 'string' },
  day: { type: 'string' },
  week: { type: 'string' },
  month: { type: 'string' },
  kind: { type: 'string' },
  reason: { type: 'string' },
} as const

/** parseArgs' own refusals, as one line with the closest spelling. */
function parseFailure(error: Error & { code?: string }): UsageError {
  const option = /'(-{1,2}[^']+)'/.exec(error.message)?.[1] ?? ''
  if (/^-\d/.test(option))
    return new UsageError(
      `\`${option}\` looks like a negative number: put it after \`--\` (e.g. onekey credits top-up WS --kind adjustment -- ${option})`,
    )
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const close = closestKey(option.replace(/^-+/, ''), Object.keys(OPTIONS))
    return new UsageError(
      `unknown option \`${option}\`${close === undefined ? '' : `; did you mean \`--${close}\`?`}`,
    )
  }
  return new UsageError(error.message.split('\n')[0]!)
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>
  >
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS })
  } catch (error) {
    throw parseFailure(error as Error & { code?: string })
  }
  const { values, positionals } = parsed
  if (values.version) {
    process.stdout.write(`onekey ${VERSION}\n`)
    return 0
  }
  if (positionals[0] === 'help') {
    if (positionals.length === 1) {
      process.stdout.write(usage())
      return 0
    }
    process.stdout.write(commandHelp(findCommand(positionals.slice(1)).spec))
    return 0
  }
  if (positionals.length === 0) {
    ;(values.help ? process.stdout : process.stderr).write(usage())
    return values.help ? 0 : 2
  }
  const { spec } = findCommand(positionals)
  if (values.help) {
    process.stdout.write(commandHelp(spec))
    return 0
  }
  checkOptions(
    spec,
    Object.keys(values).filter(
      (name) =>
        values[name as keyof typeof values] !== undefined && !['json', 'help', 'version'].includes(name),
    ),
  )
  const env = { ...process.env }
  if (values.port !== undefined) env.ONEKEY_PORT = values.port
  if (values.host !== undefined) env.ONEKEY_HOST = values.host
  const config = loadConfig({ configPath: values.config, requireSecrets: spec.name === 'serve', env })
  if (spec.name === 'serve') {
    await serve(config, values.config)
    return -1
  }
  const output = await runManagementCommand(config, positionals, {
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
    total: values.total,
    day: values.day,
    week: values.week,
    month: values.month,
    kind: values.kind,
    reason: values.reason,
    json: values.json,
    readSecret: readStdin,
  })
  if (output === undefined) throw new UsageError(`\`${spec.name}\` needs its arguments: onekey ${spec.usage}`)
  process.stdout.write(output)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`onekey: ${error.message}\n`)
      process.exitCode = 2
      return
    }
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

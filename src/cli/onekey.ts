#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
/**
 * `onekey`: the operator CLI. A thin layer over the same services the HTTP layer uses; it never
 * runs SQL of its own.
 *
 *   onekey serve [--config FILE]
 *   onekey migrate
 *   onekey workspace create NAME | workspace list
 *   onekey key create --workspace WS [--name NAME] [--expires-in 30d|12h] | key list [--workspace WS] | key revoke KEY_ID
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
import { runManagementCommand } from './management-commands.ts'

const USAGE = `usage: onekey <command> [options]

commands:
  serve                                  run the gateway
  migrate                                apply database migrations
  workspace create NAME                  create a workspace
  workspace list                         list workspaces
  key create --workspace WS [--name N] [--expires-in 30d]
                                         create an API key (shown once)
  key list [--workspace WS]              list API keys (prefixes only)
  key revoke KEY_ID                      revoke an API key

options:
  --config FILE   config file (default: $ONEKEY_CONFIG, ./onekey.yaml, ./onekey.example.yaml)
  --json          machine-readable output
`

async function serve(config: GatewayConfig): Promise<void> {
  const gateway = await startGateway(config)
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
    await serve(config)
    return -1
  }
  const output = await runManagementCommand(config, [command, ...rest], {
    workspace: values.workspace,
    name: values.name,
    expiresIn: values['expires-in'],
    json: values.json,
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
    const known =
      error instanceof ConfigError || error instanceof ServiceError || (error as Error).name === 'TypeError'
    process.stderr.write(`onekey: ${known ? (error as Error).message : String(describeError(error).error)}\n`)
    process.exitCode = 1
  },
)

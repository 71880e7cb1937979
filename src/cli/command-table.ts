/**
 * Every `onekey` command with its own options, its usage line and a summary: the one source for
 * `--help`, `help COMMAND`, and the checks that refuse another command's option, an unknown
 * command or option (with the closest valid spelling) and a misplaced negative number, each
 * with exit code 2.
 *
 * @module
 */
import { closestKey } from '../config/config-messages.ts'

export interface CommandSpec {
  /** `noun` or `noun verb`. */
  name: string
  usage: string
  summary: string
  /** Long option names this command takes (besides --config, --json and --help). */
  options: readonly string[]
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'serve',
    usage: 'serve [--port N] [--host H]',
    summary: 'run the gateway',
    options: ['port', 'host'],
  },
  { name: 'migrate', usage: 'migrate', summary: 'apply database migrations', options: [] },
  { name: 'workspace create', usage: 'workspace create NAME', summary: 'create a workspace', options: [] },
  { name: 'workspace list', usage: 'workspace list', summary: 'list workspaces', options: [] },
  {
    name: 'workspace set',
    usage:
      'workspace set WS [--default-lane cheap|resale] [--deny-data-collection|--allow-data-collection]\n' +
      '                   [--tier NAME] [--rpm N|tier] [--tpm N|tier] [--concurrency N|tier]',
    summary: "change a workspace's lane, privacy and rate-limit settings",
    options: [
      'default-lane',
      'deny-data-collection',
      'allow-data-collection',
      'tier',
      'rpm',
      'tpm',
      'concurrency',
    ],
  },
  {
    name: 'key create',
    usage:
      "key create --workspace WS [--name N] [--expires-in 30d] [--lanes cheap,resale] [--models 'gpt-4o*,cheap/*'] [--management]\n" +
      '             [--rpm N] [--tpm N] [--concurrency N]',
    summary:
      'create an API key (shown once); restrict lanes/models; --management also allows the management API',
    options: [
      'workspace',
      'name',
      'expires-in',
      'lanes',
      'models',
      'management',
      'rpm',
      'tpm',
      'concurrency',
    ],
  },
  {
    name: 'key list',
    usage: 'key list [--workspace WS]',
    summary: 'list API keys (prefixes only)',
    options: ['workspace'],
  },
  { name: 'key revoke', usage: 'key revoke KEY_ID', summary: 'revoke an API key', options: [] },
  {
    name: 'key budget',
    usage: 'key budget KEY_ID [--total USD|none] [--day USD|none] [--week USD|none] [--month USD|none]',
    summary: "show or set a key's spend limits (UTC periods); left-out periods keep theirs",
    options: ['total', 'day', 'week', 'month'],
  },
  {
    name: 'workspace budget',
    usage: 'workspace budget WS [--month USD|none]',
    summary: "show or set a workspace's monthly spend limit",
    options: ['month'],
  },
  {
    name: 'credits top-up',
    usage: 'credits top-up WS AMOUNT [--idempotency-key K] [--kind purchase|adjustment|refund] [--reason R]',
    summary: 'add credits (USD; a purchase adds the purchase fee entry; a negative adjustment goes after --)',
    options: ['idempotency-key', 'kind', 'reason'],
  },
  {
    name: 'credits show',
    usage: 'credits show WS',
    summary: 'balance, held, available and the latest ledger entries',
    options: [],
  },
  {
    name: 'codes create',
    usage: 'codes create --amount USD [--count N] [--expires-in 30d]',
    summary: 'create single-use credit codes (shown once)',
    options: ['amount', 'count', 'expires-in'],
  },
  {
    name: 'codes redeem',
    usage: 'codes redeem WS CODE',
    summary: 'redeem a code for a workspace',
    options: [],
  },
  {
    name: 'ledger verify',
    usage: 'ledger verify',
    summary: 'check every balance against its ledger entries and holds',
    options: [],
  },
  {
    name: 'byok set',
    usage: 'byok set WS PROVIDER [--key-env VAR]',
    summary:
      "store a workspace's own provider key, encrypted (read from VAR, else from stdin; never an argument)",
    options: ['key-env', 'workspace'],
  },
  {
    name: 'byok list',
    usage: 'byok list WS',
    summary: 'stored BYOK keys (masked hints only)',
    options: ['workspace'],
  },
  {
    name: 'byok delete',
    usage: 'byok delete WS PROVIDER',
    summary: 'delete a stored BYOK key',
    options: ['workspace'],
  },
  {
    name: 'byok rotate',
    usage: 'byok rotate',
    summary: 're-encrypt every BYOK key with ONEKEY_MASTER_KEY (the old key in ONEKEY_PREVIOUS_MASTER_KEYS)',
    options: [],
  },
  {
    name: 'account test',
    usage: 'account test PROVIDER/ACCOUNT',
    summary: 'one tiny real request through one upstream account: the answer, latency and any error',
    options: [],
  },
  {
    name: 'user promote',
    usage: 'user promote EMAIL',
    summary: 'make a console user an operator',
    options: [],
  },
  { name: 'user demote', usage: 'user demote EMAIL', summary: 'take the operator role away', options: [] },
]

/** Options every command takes. */
export const GLOBAL_OPTIONS = ['config', 'json', 'help', 'version'] as const

/** A usage mistake: one line for the operator, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** The command named by the leading words, or a UsageError with the closest spelling. */
export function findCommand(words: readonly string[]): { spec: CommandSpec; rest: string[] } {
  const [noun, verb] = words
  const two = COMMANDS.find((spec) => spec.name === `${noun} ${verb}`)
  if (two !== undefined) return { spec: two, rest: words.slice(2) }
  const one = COMMANDS.find((spec) => spec.name === noun)
  if (one !== undefined) return { spec: one, rest: words.slice(1) }
  const asked = verb === undefined ? String(noun) : `${noun} ${verb}`
  const nouns = [...new Set(COMMANDS.map((spec) => spec.name.split(' ')[0]!))]
  const verbs = COMMANDS.filter((spec) => spec.name.startsWith(`${noun} `)).map((spec) => spec.name)
  const guess =
    verbs.length > 0
      ? (closestKey(asked, verbs) ?? verbs.join(', '))
      : (() => {
          const closeNoun = closestKey(String(noun), nouns)
          if (closeNoun === undefined) return undefined
          const fixed = verb === undefined ? closeNoun : `${closeNoun} ${verb}`
          return COMMANDS.some((spec) => spec.name === fixed) ? fixed : closeNoun
        })()
  throw new UsageError(
    `unknown command \`${asked}\`${guess === undefined ? '' : `; did you mean \`${guess}\`?`} (onekey --help lists them)`,
  )
}

/** Refuses an option the command does not take, naming the ones it does. */
export function checkOptions(spec: CommandSpec, given: readonly string[]): void {
  for (const option of given) {
    if ((GLOBAL_OPTIONS as readonly string[]).includes(option) || spec.options.includes(option)) continue
    const close = closestKey(option, spec.options)
    const takes =
      spec.options.length === 0 ? 'no options' : spec.options.map((name) => `--${name}`).join(', ')
    throw new UsageError(
      `\`--${option}\` is not an option of \`${spec.name}\`` +
        `${close === undefined ? '' : `; did you mean \`--${close}\`?`} (it takes ${takes})`,
    )
  }
}

/** The usage of one command, for `onekey COMMAND --help` and `onekey help COMMAND`. */
export function commandHelp(spec: CommandSpec): string {
  return `usage: onekey ${spec.usage}\n\n${spec.summary}\n\noptions: --config FILE, --json${spec.options.length === 0 ? '' : `, ${spec.options.map((name) => `--${name}`).join(', ')}`}\n`
}

/** The whole usage text. */
export function usage(): string {
  const lines = COMMANDS.map((spec) => {
    const [first, ...more] = spec.usage.split('\n')
    const head = `  ${first!.padEnd(38)} ${first!.length > 38 ? `\n${' '.repeat(41)}` : ''}${spec.summary}`
    return [head, ...more.map((line) => `  ${line}`)].join('\n')
  })
  return (
    'usage: onekey <command> [options]\n\ncommands:\n' +
    `${lines.join('\n')}\n\n` +
    'options:\n' +
    '  --config FILE   config file (default: $ONEKEY_CONFIG, ./onekey.yaml, ./onekey.example.yaml)\n' +
    '  --json          machine-readable output (snake_case; money as exact decimal USD strings)\n' +
    "  --help, -h      this text, or a command's (onekey COMMAND --help, onekey help COMMAND)\n" +
    '  --version       the version\n'
  )
}

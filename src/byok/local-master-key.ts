/**
 * The embedded default's master key. With no master key in the environment, SQLite on disk and
 * `NODE_ENV` not `production`, the key that encrypts BYOK credentials is kept in `master.key`
 * beside the database (32 random bytes as 64 hex digits, mode 0600), generated on first use, the
 * way other self-hosted tools keep a local secret. Production sets `ONEKEY_MASTER_KEY` from a
 * secret store instead. `onekey serve` and `onekey byok …` find the key the same way.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { dirname } from 'node:path'
import { ConfigError, type GatewayConfig, parseMasterKey } from '../config/config.ts'
import { type CredentialCipher, createCredentialCipher } from './credential-cipher.ts'

export interface LocalMasterKey {
  key: Buffer
  path: string
  /** True when this call generated the file. */
  created: boolean
}

/** What to tell the operator once, when the file is generated. */
export function localMasterKeyNotice(path: string): string {
  return (
    `generated the BYOK master key at ${path} (mode 0600): back it up with the database. ` +
    'In production set ONEKEY_MASTER_KEY from a secret store instead: copy the file content there, then delete the file'
  )
}

function readKeyFile(path: string): Buffer {
  const fd = openSync(path, 'r')
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new ConfigError(`BYOK master key file ${path} is not a regular file`)
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0')
      throw new ConfigError(
        `BYOK master key file ${path} is readable by other users (mode ${mode}): ` +
          `run chmod 600 ${path}, or set ONEKEY_MASTER_KEY`,
      )
    }
    const key = parseMasterKey(readFileSync(fd, 'utf8'))
    if (key === undefined)
      throw new ConfigError(`BYOK master key file ${path} must hold 32 bytes as 64 hex digits or base64`)
    return key
  } finally {
    closeSync(fd)
  }
}

/**
 * Reads the key file, generating it when absent. The new key is written to a private temporary
 * file and linked into place, so the file appears whole or not at all, and two processes starting
 * at once end up with the same key.
 * @throws ConfigError when the file is readable by others or does not hold a key
 */
export function loadLocalMasterKey(path: string): LocalMasterKey {
  try {
    return { key: readKeyFile(path), path, created: false }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  mkdirSync(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const fd = openSync(temporary, 'wx', 0o600)
  try {
    writeSync(fd, `${randomBytes(32).toString('hex')}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  let created = true
  try {
    linkSync(temporary, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    created = false // another process generated it first: use theirs
  } finally {
    unlinkSync(temporary)
  }
  return { key: readKeyFile(path), path, created }
}

/**
 * The BYOK cipher for this configuration: the environment's master key, else the local key file
 * when the config names one (`onCreated` hears of a newly generated file), else null (BYOK
 * storage off).
 */
export function createConfiguredCipher(
  secrets: GatewayConfig['secrets'],
  onCreated: (path: string) => void,
): CredentialCipher | null {
  let key = secrets.masterKey
  if (key === null && secrets.masterKeyFile !== null) {
    const local = loadLocalMasterKey(secrets.masterKeyFile)
    if (local.created) onCreated(local.path)
    key = local.key
  }
  return key === null ? null : createCredentialCipher(key, secrets.previousMasterKeys)
}

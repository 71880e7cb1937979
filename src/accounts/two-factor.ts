/**
 * Optional two-factor sign-in with time-based one-time codes (TOTP, RFC 6238: SHA-1, 6 digits,
 * 30-second steps, as every authenticator app expects), through the `otpauth` library. The
 * secret is stored encrypted with the master key; a code is accepted within one step either
 * way and never twice.
 *
 * @module
 */
import { Secret, TOTP } from 'otpauth'
import type { CredentialCipher } from '../byok/credential-cipher.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { AccountRepository, UserRecord } from '../storage/account-repository.ts'
import type { SignedIn } from './account-service.ts'
import { verifyPassword } from './password-hashing.ts'

const PERIOD_SECONDS = 30

export interface TwoFactorOptions {
  accounts: AccountRepository
  /** Seals the secrets; null (no master key) leaves two-factor unavailable. */
  cipher: CredentialCipher | null
  issuer: string
  now?: () => number
}

function totp(secretBase32: string, label: string, issuer: string): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  })
}

export type TwoFactor = ReturnType<typeof createTwoFactor>

export function createTwoFactor(options: TwoFactorOptions) {
  const now = options.now ?? Date.now
  const context = (userId: string) => `totp:${userId}`

  function cipher(): CredentialCipher {
    if (options.cipher === null)
      throw new GatewayError(
        'invalid_request',
        'Two-factor sign-in needs a master key on this deployment (ONEKEY_MASTER_KEY).',
      )
    return options.cipher
  }

  /** The step of a valid, unused code; throws a 400 (or 401 at sign-in) otherwise. */
  async function accept(user: UserRecord, code: string, secretBase32: string, param: string): Promise<void> {
    const timestamp = now()
    const delta = totp(secretBase32, user.email, options.issuer).validate({
      token: code,
      window: 1,
      timestamp,
    })
    const step = Math.floor(timestamp / 1000 / PERIOD_SECONDS) + (delta ?? 0)
    if (delta === null || !(await options.accounts.recordTotpStep(user.id, step)))
      throw new GatewayError(
        'invalid_parameter',
        'The authenticator code is not right (or was already used).',
        { param },
      )
  }

  return {
    /**
     * Starts setup: a new secret (not active until confirmed with a code). Answers the secret and
     * the otpauth:// URI for an authenticator app.
     */
    async setup(signedIn: SignedIn): Promise<{ secret: string; otpauth_url: string }> {
      if (signedIn.user.totpEnabledAt !== null)
        throw new GatewayError('conflict', 'Two-factor sign-in is already on; turn it off first.')
      const secret = new Secret({ size: 20 }).base32
      const sealed = cipher().encrypt(secret, context(signedIn.user.id))
      await options.accounts.setTotp(signedIn.user.id, sealed.ciphertext, null)
      return { secret, otpauth_url: totp(secret, signedIn.user.email, options.issuer).toString() }
    },

    /** Confirms setup with a first code: from now on sign-in asks for one. */
    async enable(signedIn: SignedIn, code: string): Promise<void> {
      const user = await options.accounts.findUser(signedIn.user.id)
      if (user?.totpSecret == null || user.totpEnabledAt !== null)
        throw new GatewayError('invalid_request', 'Start two-factor setup first.')
      await accept(user, code, this.secretOf(user), 'code')
      await options.accounts.setTotp(user.id, user.totpSecret, new Date(now()).toISOString())
      await options.accounts.recordTotpStep(user.id, Math.floor(now() / 1000 / PERIOD_SECONDS))
    },

    /** Turns two-factor off; needs the password. */
    async disable(signedIn: SignedIn, password: string): Promise<void> {
      if (!(await verifyPassword(signedIn.user.passwordHash, password)))
        throw new GatewayError('invalid_parameter', 'The password is not right.', { param: 'password' })
      await options.accounts.setTotp(signedIn.user.id, null, null)
    },

    /**
     * At sign-in, after the password: a user with two-factor on must give a valid, unused code.
     * @throws GatewayError 401 `totp_required` without a code, 401 `invalid_credentials` with a wrong one
     */
    async check(user: UserRecord, code: string | undefined): Promise<void> {
      if (user.totpEnabledAt === null || user.totpSecret === null) return
      if (code === undefined)
        throw new GatewayError('totp_required', 'Enter the 6-digit code from your authenticator app.', {
          param: 'totp_code',
        })
      try {
        await accept(user, code, this.secretOf(user), 'totp_code')
      } catch {
        throw new GatewayError(
          'invalid_credentials',
          'The authenticator code is not right (or was already used).',
          {
            param: 'totp_code',
          },
        )
      }
    },

    secretOf(user: UserRecord): string {
      return cipher().decrypt(user.totpSecret ?? '', context(user.id))
    },
  }
}

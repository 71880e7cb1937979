/**
 * Console accounts from outside: sign-up with the mail received by a real local SMTP server,
 * cookie flags, CSRF and Origin checks, throttled sign-in, single-use expiring links, password
 * reset ending sessions, invitations, and workspaces that never leak into each other.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Secret, TOTP } from 'otpauth'
import { hashSecretToken } from '../../src/accounts/secret-tokens.ts'
import { ConsoleClient } from '../helpers/console-client.ts'
import { linkIn, type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

describe('console accounts', () => {
  let gateway: TestGateway
  let smtp: SmtpCatcher
  const client = () => new ConsoleClient(gateway.url)

  before(async () => {
    smtp = await startSmtpCatcher()
    gateway = await startTestGateway(
      {
        providers: [{ name: 'sim', kind: 'sim' }],
        models: [{ id: 'sim-echo', offers: [offer('sim')] }],
        smtp: { url: smtp.url, from: 'Test <no-reply@example.test>' },
        console: { sign_in_attempts: 4 },
        billing: { signup_credit: '5' },
        site: { name: 'Acme AI' },
      },
      { ONEKEY_MASTER_KEY: 'b2'.repeat(32) },
    )
  })
  after(async () => {
    await gateway?.close()
    await smtp?.close()
  })

  test('sign-up: a session cookie with strict flags, the first workspace with its credit, a verification link that works once', async () => {
    const alice = client()
    const signedUp = await alice.signUp('Alice@Example.test')
    assert.equal(signedUp.status, 201, JSON.stringify(signedUp.body))
    const cookie = signedUp.headers.get('set-cookie') ?? ''
    assert.match(cookie, /^onekey_session=[\w-]{40,};/)
    assert.match(cookie, /; HttpOnly/)
    assert.match(cookie, /; SameSite=Lax/)
    assert.match(cookie, /; Path=\//)
    assert.doesNotMatch(cookie, /Secure/, 'http deployments cannot set Secure cookies')
    assert.equal(signedUp.headers.get('cache-control'), 'no-store')
    assert.equal(signedUp.body.user.email, 'alice@example.test')
    assert.equal(signedUp.body.user.email_verified, false)
    assert.equal(signedUp.body.workspace.role, 'owner')
    assert.equal(typeof signedUp.body.csrf_token, 'string')
    // Only a hash of the cookie's token is stored.
    const token = cookie.split(';')[0]!.split('=')[1]!
    const stored = await gateway.store.accounts.findSessionByTokenHash(hashSecretToken(token))
    assert.ok(stored)
    assert.notEqual(stored.tokenHash, token)

    const credits = await alice.get('/api/v1/credits')
    assert.equal(credits.status, 200)
    assert.equal(credits.body.balance, '5')

    const mail = await smtp.waitFor('alice@example.test', /Confirm your email for Acme AI/)
    const link = linkIn(mail)
    assert.ok(link.url.startsWith(`${gateway.url}/console/verify-email?token=`), link.url)
    const anonymous = client()
    assert.equal((await anonymous.post('/api/v1/auth/verify-email', { token: link.token })).status, 200)
    const again = await anonymous.post('/api/v1/auth/verify-email', { token: link.token })
    assert.equal(again.status, 400, 'a link works once')
    assert.match(again.body.error.message, /expired or was already used/)
    assert.equal((await alice.get('/api/v1/auth/session')).body.user.email_verified, true)
  })

  test('sign-in: the same answer for a wrong password and an unknown email, then throttled', async () => {
    const bob = client()
    assert.equal((await bob.signUp('bob@example.test')).status, 201)
    const wrong = await client().signIn('bob@example.test', 'not the password at all')
    const unknown = await client().signIn('nobody@example.test', 'not the password at all')
    assert.equal(wrong.status, 401)
    assert.deepEqual(wrong.body, unknown.body)
    const reset = await client().post('/api/v1/auth/password-reset', { email: 'nobody@example.test' })
    const resetKnown = await client().post('/api/v1/auth/password-reset', { email: 'bob@example.test' })
    assert.deepEqual([reset.status, reset.body], [resetKnown.status, resetKnown.body])
    // 4 attempts per account in 15 minutes (this test's setting), right or wrong: the fifth waits.
    await client().signIn('bob@example.test', 'still the wrong one')
    await client().signIn('bob@example.test', 'and again wrong')
    await client().signIn('bob@example.test', 'a fourth wrong one')
    const throttled = await client().signIn('bob@example.test', 'correct horse battery')
    assert.equal(throttled.status, 429)
    assert.ok(Number(throttled.headers.get('retry-after')) > 0)
  })

  test('CSRF: a session request that changes something needs the token and our Origin', async () => {
    const carol = client()
    await carol.signUp('carol@example.test')
    const noToken = await carol.request('POST', '/api/v1/keys', { name: 'x' }, { 'x-csrf-token': '' })
    assert.equal(noToken.status, 403)
    assert.equal(noToken.body.error.code, 'csrf_failed')
    carol.origin = 'https://evil.example'
    const foreign = await carol.post('/api/v1/keys', { name: 'x' })
    assert.equal(foreign.status, 403)
    assert.equal(foreign.body.error.code, 'csrf_failed')
    carol.origin = gateway.url
    const created = await carol.post('/api/v1/keys', {
      name: 'carol key',
      limits: { rpm: 60, concurrency: 2 },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.deepEqual(created.body.limits, { rpm: 60, tpm: null, concurrency: 2 })
    assert.match(created.body.key, /^ok/)
    assert.equal((await carol.get('/api/v1/keys')).body.data.length, 1)
    // Sign-in from another site is refused too (login CSRF).
    const stranger = client()
    stranger.origin = 'https://evil.example'
    assert.equal((await stranger.signIn('carol@example.test')).status, 403)
  })

  test('workspaces are isolated: a session of A never reads or switches into B', async () => {
    const dave = client()
    const erin = client()
    const daveSession = (await dave.signUp('dave@example.test')).body
    await erin.signUp('erin@example.test')
    await dave.post('/api/v1/keys', { name: 'dave only' })
    const erinKeys = await erin.get('/api/v1/keys')
    assert.deepEqual(erinKeys.body.data, [])
    const sneak = await erin.post('/api/v1/auth/switch-workspace', { workspace_id: daveSession.workspace.id })
    assert.equal(sneak.status, 404)
    const daveKey = (await dave.get('/api/v1/keys')).body.data[0]
    assert.equal((await erin.request('DELETE', `/api/v1/keys/${daveKey.id}`)).status, 404)
    assert.equal((await dave.get('/api/v1/keys')).body.data[0].revoked_at, null)
  })

  test('password reset: the emailed link sets a new password once, ends every session, and expires', async () => {
    const frank = client()
    await frank.signUp('frank@example.test')
    await client().post('/api/v1/auth/password-reset', { email: 'frank@example.test' })
    const { token } = linkIn(await smtp.waitFor('frank@example.test', /Reset your Acme AI password/))
    const reset = await client().post('/api/v1/auth/password-reset/confirm', {
      token,
      password: 'a brand new password',
    })
    assert.equal(reset.status, 200)
    assert.equal((await frank.get('/api/v1/auth/session')).status, 401, 'the old session ended')
    assert.equal(
      (
        await client().post('/api/v1/auth/password-reset/confirm', {
          token,
          password: 'another new password',
        })
      ).status,
      400,
    )
    assert.equal((await client().signIn('frank@example.test', 'a brand new password')).status, 200)
    // An expired link is refused.
    await client().post('/api/v1/auth/password-reset', { email: 'frank@example.test' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const second = smtp.messages.filter(
      (mail) => mail.to.includes('frank@example.test') && /Reset/.test(mail.subject),
    )
    const late = linkIn(second.at(-1)!)
    const user = await gateway.store.accounts.findUserByEmail('frank@example.test')
    await gateway.store.accounts.createEmailToken({
      tokenHash: hashSecretToken(`${late.token}-expired`),
      userId: user!.id,
      purpose: 'reset',
      createdAt: '2020-01-01T00:00:00.000Z',
      expiresAt: '2020-01-01T01:00:00.000Z',
    })
    const expired = await client().post('/api/v1/auth/password-reset/confirm', {
      token: `${late.token}-expired`,
      password: 'yet another password',
    })
    assert.equal(expired.status, 400)
  })

  test('an invited viewer joins by the emailed link and cannot create a key (API 403)', async () => {
    const grace = client()
    await grace.signUp('grace@example.test')
    const invite = await grace.post('/api/v1/members/invites', {
      email: 'heidi@example.test',
      role: 'viewer',
    })
    assert.equal(invite.status, 201, JSON.stringify(invite.body))
    const { token } = linkIn(await smtp.waitFor('heidi@example.test', /invited/))
    const heidi = client()
    const joined = await heidi.signUp('heidi@example.test', 'correct horse battery', { invite_token: token })
    assert.equal(joined.status, 201, JSON.stringify(joined.body))
    assert.equal(joined.body.workspace.role, 'viewer')
    assert.equal(joined.body.user.email_verified, true, 'following the invitation proves the mailbox')
    const forged = await heidi.post('/api/v1/keys', { name: 'not allowed' })
    assert.equal(forged.status, 403)
    assert.equal(forged.body.error.code, 'permission_denied')
    assert.equal((await heidi.get('/api/v1/keys')).status, 200, 'a viewer reads')
    const members = await grace.get('/api/v1/members')
    assert.deepEqual(
      members.body.data.map((member: { email: string; role: string }) => `${member.email}:${member.role}`),
      ['grace@example.test:owner', 'heidi@example.test:viewer'],
    )
    const audit = await grace.get('/api/v1/audit')
    assert.ok(audit.body.data.some((entry: { action: string }) => entry.action === 'member.invited'))
    assert.equal((await heidi.get('/api/v1/audit')).status, 403, 'only owners read the audit log')
    // The link was used: a second sign-up with it is refused.
    assert.equal(
      (await client().signUp('ivan@example.test', 'correct horse battery', { invite_token: token })).status,
      400,
    )
  })

  test('sign out everywhere ends every session of the user', async () => {
    const judy = client()
    await judy.signUp('judy@example.test')
    const other = client()
    await other.signIn('judy@example.test')
    const out = await judy.post('/api/v1/auth/sign-out-everywhere')
    assert.equal(out.status, 200)
    assert.equal(out.body.sessions, 2)
    assert.equal((await other.get('/api/v1/auth/session')).status, 401)
    assert.equal((await judy.get('/api/v1/auth/session')).status, 401)
  })

  test('every session route with a body refuses an unknown field with a 400 naming it, and changes nothing', async () => {
    const kate = client()
    await kate.signUp('kate@example.test')
    const routes = [
      ['POST', '/api/v1/auth/sign-up'],
      ['POST', '/api/v1/auth/sign-in'],
      ['POST', '/api/v1/auth/verify-email'],
      ['POST', '/api/v1/auth/password-reset'],
      ['POST', '/api/v1/auth/password-reset/confirm'],
      ['POST', '/api/v1/auth/password'],
      ['POST', '/api/v1/auth/switch-workspace'],
      ['POST', '/api/v1/auth/two-factor/enable'],
      ['POST', '/api/v1/auth/two-factor/disable'],
      ['POST', '/api/v1/auth/accept-invite'],
      ['POST', '/api/v1/workspaces'],
      ['POST', '/api/v1/members/invites'],
      ['PATCH', '/api/v1/members/usr_x'],
      ['POST', '/api/v1/members/transfer-ownership'],
    ] as const
    const before = (await kate.get('/api/v1/auth/session')).body
    for (const [method, path] of routes) {
      const answer = await kate.request(method, path, { surprise_field: true })
      assert.equal(answer.status, 400, `${method} ${path}: ${JSON.stringify(answer.body)}`)
      assert.equal(answer.body.error.param, 'surprise_field', `${method} ${path}`)
      assert.match(answer.body.error.message, /Unknown field 'surprise_field'; expected /)
    }
    const afterwards = (await kate.get('/api/v1/auth/session')).body
    assert.deepEqual(afterwards.workspaces, before.workspaces)
  })

  test('two-factor: set up with an authenticator code, then sign-in needs a fresh code; secrets sealed at rest', async () => {
    const lena = client()
    await lena.signUp('lena@example.test')
    const setup = await lena.post('/api/v1/auth/two-factor/setup')
    assert.equal(setup.status, 200, JSON.stringify(setup.body))
    assert.match(setup.body.otpauth_url, /^otpauth:\/\/totp\/Acme%20AI:lena%40example\.test\?/)
    const stored = await gateway.store.accounts.findUserByEmail('lena@example.test')
    assert.ok(stored?.totpSecret)
    assert.doesNotMatch(stored.totpSecret, new RegExp(setup.body.secret), 'the secret is encrypted at rest')
    const code = (offsetSeconds = 0) =>
      new TOTP({ secret: Secret.fromBase32(setup.body.secret), digits: 6, period: 30 }).generate({
        timestamp: Date.now() + offsetSeconds * 1000,
      })
    assert.equal(
      (await lena.post('/api/v1/auth/two-factor/enable', { code: '000000' === code() ? '111111' : '000000' }))
        .status,
      400,
    )
    assert.equal((await lena.post('/api/v1/auth/two-factor/enable', { code: code() })).status, 200)
    assert.equal((await lena.get('/api/v1/auth/session')).body.user.totp_enabled, true)

    const withoutCode = await client().signIn('lena@example.test')
    assert.equal(withoutCode.status, 401)
    assert.equal(withoutCode.body.error.code, 'totp_required')
    assert.equal(withoutCode.body.error.param, 'totp_code')
    const next = code(30)
    const signedIn = await client().post('/api/v1/auth/sign-in', {
      email: 'lena@example.test',
      password: 'correct horse battery',
      totp_code: next,
    })
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body))
    const replayed = await client().post('/api/v1/auth/sign-in', {
      email: 'lena@example.test',
      password: 'correct horse battery',
      totp_code: next,
    })
    assert.equal(replayed.status, 401, 'a code is accepted once')
    assert.equal(
      (await lena.post('/api/v1/auth/two-factor/disable', { password: 'wrong password!!' })).status,
      400,
    )
    assert.equal(
      (await lena.post('/api/v1/auth/two-factor/disable', { password: 'correct horse battery' })).status,
      200,
    )
    assert.equal((await client().signIn('lena@example.test')).status, 200)
  })
})

describe('console turned off', () => {
  test('console.enabled: false serves no pages and no account routes; management keys still work', async () => {
    const gateway = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'sim-echo', offers: [offer('sim')] }],
      console: { enabled: false },
    })
    try {
      for (const path of ['/', '/console/', '/console/keys']) {
        const answer = await fetch(`${gateway.url}${path}`, { redirect: 'manual' })
        assert.equal(answer.status, 404, path)
        await answer.text()
      }
      const signUp = await new ConsoleClient(gateway.url).signUp('nobody@example.test')
      assert.equal(signUp.status, 404)
      assert.equal(signUp.body.error.code, 'route_not_found')
      const key = (
        await gateway.service.createApiKey({ workspace: gateway.workspaceId, name: 'm', management: true })
      ).key
      const keys = await fetch(`${gateway.url}/api/v1/keys`, { headers: { authorization: `Bearer ${key}` } })
      assert.equal(keys.status, 200)
    } finally {
      await gateway.close()
    }
  })
})

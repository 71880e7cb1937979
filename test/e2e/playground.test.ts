/**
 * The console playground over HTTP: a signed-in member's prompt streams back through the real
 * chat pipeline under the workspace's "Console playground" key, and is billed like any request
 * (the balance goes down by exactly the answer's `usage.cost`, the request log has the row under
 * that key). Refused: viewers and billing members (403), requests without the CSRF token or from
 * another site (403), unknown fields (400 naming the field), API keys (the playground key has no
 * secret: its stored hash can never match a bearer key), and the route itself when
 * `site.pages.playground` is off (404).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { parseUsdNano } from '../../src/contracts/usd.ts'
import { PLAYGROUND_KEY_NAME } from '../../src/http/playground-key.ts'
import { waitFor } from '../helpers/billing-setup.ts'
import { ConsoleClient } from '../helpers/console-client.ts'
import { type Json, offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const CHAT = '/api/v1/playground/chat/completions'
const QUOTE = '/api/v1/playground/quote'
const prompt = (content: string) => ({
  model: 'cheap/sim-echo',
  messages: [{ role: 'user', content }],
})

/** The `data:` payloads of an SSE body, `[DONE]` excluded, parsed. */
function events(text: string): Json[] {
  return text
    .split('\n\n')
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n'),
    )
    .filter((data) => data !== '' && data !== '[DONE]')
    .map((data) => JSON.parse(data))
}

function answerText(chunks: Json[]): string {
  return chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join('')
}

describe('console playground', () => {
  let gateway: TestGateway
  let workspaceId: string
  const sessions = new Map<string, ConsoleClient>()

  before(async () => {
    gateway = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [
        {
          id: 'sim-echo',
          offers: [
            offer('sim', { published: true }),
            offer('sim', { lane: 'resale', price: { input: '3', output: '6' }, published: true }),
          ],
        },
      ],
      billing: { signup_credit: '1' },
      console: { sign_in_attempts: 100 },
    })
    const owner = new ConsoleClient(gateway.url)
    workspaceId = (await owner.signUp('owner@example.test')).body.workspace.id
    sessions.set('owner', owner)
    for (const role of ['developer', 'billing', 'viewer'] as const) {
      const client = new ConsoleClient(gateway.url)
      const user = (await client.signUp(`${role}@example.test`)).body.user
      await gateway.store.accounts.addMember(workspaceId, user.id, role, new Date().toISOString())
      assert.equal(
        (await client.post('/api/v1/auth/switch-workspace', { workspace_id: workspaceId })).status,
        200,
      )
      sessions.set(role, client)
    }
  })
  after(() => gateway?.close())

  async function playgroundKeys(id = workspaceId) {
    return (await gateway.store.apiKeys.list(id)).filter((key) => key.name === PLAYGROUND_KEY_NAME)
  }

  test('a signed-in owner streams an answer, billed to the workspace under the playground key', async () => {
    const owner = sessions.get('owner')!
    const before = await gateway.store.ledger.balance(workspaceId)
    const answer = await owner.post(CHAT, prompt('hello playground'))
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.match(answer.headers.get('content-type') ?? '', /^text\/event-stream/)
    assert.equal(answer.headers.get('x-onekey-lane'), 'cheap')
    assert.equal(answer.headers.get('x-onekey-provider'), 'sim')
    const generationId = answer.headers.get('x-onekey-generation-id')
    assert.ok(generationId)
    const chunks = events(answer.body.text)
    assert.equal(answerText(chunks), 'You said: hello playground')
    const usage = chunks.at(-1).usage
    assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens === 4, JSON.stringify(usage))
    assert.equal(usage.cost_details.lane, 'cheap')
    const costNano = parseUsdNano(usage.cost_details.total)
    assert.ok(costNano > 0)

    // The charge: exactly the answer's cost, on a request-log row under the playground key.
    let row: Awaited<ReturnType<typeof gateway.store.requestLogs.find>>
    await waitFor(async () => {
      row = await gateway.store.requestLogs.find(workspaceId, generationId)
      return row?.ledgerEntryId != null
    }, 'the request to be settled')
    const [key] = await playgroundKeys()
    assert.ok(key)
    assert.equal(row!.keyId, key.id)
    assert.equal(row!.lane, 'cheap')
    assert.equal(row!.costNano, costNano)
    assert.equal(row!.chargedNano, costNano)
    const after = await gateway.store.ledger.balance(workspaceId)
    assert.equal(before.balanceNano - after.balanceNano, costNano)
    assert.equal(after.heldNano, 0)

    // The key is visible in Keys as the playground's, its creation in the audit log.
    const listed = (await owner.get('/api/v1/keys')).body.data as Json[]
    const shown = listed.find((each) => each.id === key.id)
    assert.equal(shown.name, 'Console playground')
    assert.equal(shown.prefix, 'playground')
    assert.equal(shown.management, false)
    const audit = (await owner.get('/api/v1/audit')).body.data as Json[]
    assert.ok(audit.some((entry) => entry.action === 'key.created' && String(entry.target).includes(key.id)))
    const logs = (await owner.get('/api/v1/logs')).body.data as Json[]
    assert.ok(logs.some((entry) => JSON.stringify(entry).includes(generationId)))
  })

  test('a developer may use it; one playground key serves every member', async () => {
    const answer = await sessions.get('developer')!.post(CHAT, {
      ...prompt('from the developer'),
      model: 'resale/sim-echo',
      max_tokens: 2,
      temperature: 0.5,
    })
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.equal(answer.headers.get('x-onekey-lane'), 'resale')
    const chunks = events(answer.body.text)
    assert.equal(answerText(chunks), 'You said:')
    assert.equal(chunks.at(-1).usage.completion_tokens, 2)
    assert.equal((await playgroundKeys()).length, 1)
  })

  test("the playground key's spend limit, set in Keys, applies at once", async () => {
    const owner = sessions.get('owner')!
    const [key] = await playgroundKeys()
    // Today's playground requests already spent more than this.
    const set = await owner.request('PUT', `/api/v1/keys/${key!.id}/budget`, { day: '0.000001' })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    const refused = await owner.post(CHAT, prompt('over the limit'))
    assert.equal(refused.status, 402, JSON.stringify(refused.body))
    assert.equal(refused.body.error.code, 'key_budget_exceeded')
    assert.equal((await owner.request('PUT', `/api/v1/keys/${key!.id}/budget`, {})).status, 200)
    assert.equal((await owner.post(CHAT, prompt('within the limit again'))).status, 200)
  })

  test('viewers and billing members are refused (403 permission_denied)', async () => {
    for (const role of ['viewer', 'billing']) {
      for (const path of [CHAT, QUOTE]) {
        const answer = await sessions.get(role)!.post(path, prompt('no'))
        assert.equal(answer.status, 403, `${role} ${path}`)
        assert.equal(answer.body.error.code, 'permission_denied')
      }
    }
  })

  test('the CSRF token and our own origin are required', async () => {
    const owner = sessions.get('owner')!
    const missing = await owner.request('POST', CHAT, prompt('x'), { 'x-csrf-token': '' })
    assert.equal(missing.status, 403)
    assert.equal(missing.body.error.code, 'csrf_failed')
    const wrong = await owner.request('POST', CHAT, prompt('x'), { 'x-csrf-token': 'not-the-token' })
    assert.equal(wrong.status, 403)
    const elsewhere = new ConsoleClient(gateway.url)
    elsewhere.cookie = owner.cookie
    elsewhere.csrf = owner.csrf
    elsewhere.origin = 'https://evil.example'
    const crossSite = await elsewhere.post(CHAT, prompt('x'))
    assert.equal(crossSite.status, 403)
    assert.equal(crossSite.body.error.code, 'csrf_failed')
    const signedOut = await new ConsoleClient(gateway.url).post(CHAT, prompt('x'))
    assert.equal(signedOut.status, 401)
  })

  test('the body is strict: unknown fields are refused by name', async () => {
    const owner = sessions.get('owner')!
    for (const [body, param] of [
      [{ ...prompt('x'), workspace_id: 'ws_other' }, 'workspace_id'],
      [{ ...prompt('x'), stream: false }, 'stream'],
      [{ model: 'cheap/sim-echo', messages: [{ role: 'user', content: 'x', name: 'n' }] }, 'messages.0.name'],
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ ...prompt('x'), max_tokens: 0 }, 'max_tokens'],
      [{ model: 'cheap/sim-echo', messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.role'],
    ] as const) {
      for (const path of [CHAT, QUOTE]) {
        const answer = await owner.post(path, body)
        assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}`)
        assert.equal(answer.body.error.param, param, JSON.stringify(answer.body))
      }
    }
    const unknownModel = await owner.post(CHAT, { ...prompt('x'), model: 'cheap/nope' })
    assert.equal(unknownModel.status, 404)
    assert.equal(unknownModel.body.error.param, 'model')
  })

  test('the playground key can never be used as a bearer key, and API keys cannot use the playground', async () => {
    const [key] = await playgroundKeys()
    assert.ok(key)
    // Bearer keys are looked up by their SHA-256 hex digest: this hash is never one.
    assert.doesNotMatch(key.hash, /^[0-9a-f]{64}$/)
    for (const token of [key.hash, key.prefix, key.id]) {
      const answer = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(prompt('x')),
      })
      assert.equal(answer.status, 401)
    }
    // A management key of the workspace is refused too: API keys call /v1/* under their own name.
    const management = await gateway.service.createApiKey({
      workspace: workspaceId,
      name: 'admin',
      management: true,
    })
    const byKey = await fetch(`${gateway.url}${CHAT}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${management.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(prompt('x')),
    })
    assert.equal(byKey.status, 403)
  })

  test('each workspace has its own playground key; a session acts only in its own workspace', async () => {
    const other = new ConsoleClient(gateway.url)
    const otherWorkspace = (await other.signUp('other@example.test')).body.workspace.id as string
    const answer = await other.post(CHAT, prompt('mine'))
    assert.equal(answer.status, 200)
    const generationId = answer.headers.get('x-onekey-generation-id')!
    await waitFor(
      async () => (await gateway.store.requestLogs.find(otherWorkspace, generationId)) !== undefined,
      'the log row',
    )
    const [mine] = await playgroundKeys(otherWorkspace)
    const [theirs] = await playgroundKeys()
    assert.ok(mine && theirs && mine.id !== theirs.id)
    assert.equal((await gateway.store.requestLogs.find(otherWorkspace, generationId))!.keyId, mine.id)
    assert.equal(await gateway.store.requestLogs.find(workspaceId, generationId), undefined)
  })

  test('a revoked playground key stays revoked; the next request gets a new one', async () => {
    const owner = sessions.get('owner')!
    const [old] = await playgroundKeys()
    assert.equal((await owner.request('DELETE', `/api/v1/keys/${old!.id}`)).status, 200)
    const answer = await owner.post(CHAT, prompt('again'))
    assert.equal(answer.status, 200)
    const keys = await playgroundKeys()
    assert.equal(keys.length, 2)
    assert.ok(keys.find((key) => key.id === old!.id)!.revokedAt !== null)
    assert.ok(keys.some((key) => key.id !== old!.id && key.revokedAt === null))
  })

  test('a workspace without credit is refused before anything streams (402)', async () => {
    const broke = new ConsoleClient(gateway.url)
    const id = (await broke.signUp('broke@example.test')).body.workspace.id as string
    const balance = await gateway.store.ledger.balance(id)
    await gateway.gateway.billing.topUp({
      workspaceId: id,
      amountNano: -balance.balanceNano,
      idempotencyKey: 'drain',
      actor: 'test',
      kind: 'adjustment',
    })
    const answer = await broke.post(CHAT, prompt('no money'))
    assert.equal(answer.status, 402, JSON.stringify(answer.body))
    assert.equal(answer.body.error.code, 'insufficient_credits')
  })

  test('the quote shows both lanes with their prices and holds, without creating a key', async () => {
    const other = new ConsoleClient(gateway.url)
    const id = (await other.signUp('quoter@example.test')).body.workspace.id as string
    const answer = await other.post(QUOTE, { ...prompt('compare me'), model: 'sim-echo', max_tokens: 100 })
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    const lanes = answer.body.lanes as Json[]
    const cheap = lanes.find((lane) => lane.lane === 'cheap')
    const resale = lanes.find((lane) => lane.lane === 'resale')
    assert.equal(cheap.model, 'cheap/sim-echo')
    assert.equal(resale.model, 'resale/sim-echo')
    assert.ok(cheap.available && resale.available)
    assert.equal(cheap.offer.price.prompt, '1')
    assert.equal(resale.offer.price.completion, '6')
    // 100 output tokens at $2 and $6 per 1M.
    assert.equal(cheap.max_output_cost, '0.0002')
    assert.equal(resale.max_output_cost, '0.0006')
    assert.equal((await playgroundKeys(id)).length, 0)
  })
})

describe('console playground turned off', () => {
  test('site.pages.playground: false answers 404', async () => {
    const gateway = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'sim-echo', offers: [offer('sim')] }],
      site: { pages: { playground: false } },
    })
    try {
      const owner = new ConsoleClient(gateway.url)
      await owner.signUp('owner@example.test')
      for (const path of [CHAT, QUOTE]) {
        const answer = await owner.post(path, prompt('x'))
        assert.equal(answer.status, 404)
      }
    } finally {
      await gateway.close()
    }
  })
})

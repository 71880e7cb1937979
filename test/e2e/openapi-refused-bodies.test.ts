/**
 * The schemas of OneKey's OpenAPI document say what the server refuses: bodies the /v1 schemas
 * refuse (unknown fields, out-of-range values, OneKey's own fields misused) are refused by a
 * running gateway with the same `param`, and an unknown field in an /api/v1 body is refused by
 * the server while the served document says `additionalProperties: false`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { z } from 'zod'
import { errorEnvelope } from '../../src/http/openapi/gateway-answers.ts'
import {
  chatCompletionBody,
  embeddingsBody,
  imagesBody,
  responsesBody,
} from '../../src/http/openapi/gateway-bodies.ts'
import {
  type Json,
  operations,
  pointer,
  servedDocument,
  startOpenApiGateway,
} from '../helpers/openapi-document.ts'
import type { TestGateway } from '../helpers/test-gateway.ts'

describe('bodies the document refuses, a running gateway refuses', () => {
  let gateway: TestGateway
  let document: Json
  let managementKey: string

  before(async () => {
    ;({ gateway, managementKey } = await startOpenApiGateway())
    document = await servedDocument(gateway)
  })
  after(async () => {
    await gateway?.close()
  })

  /** Bodies the schema refuses, and the field the server must name. */
  const refused: [string, z.ZodType, Json, string][] = [
    ['/v1/chat/completions', chatCompletionBody, { messages: [{ role: 'user', content: 'x' }] }, 'model'],
    ['/v1/chat/completions', chatCompletionBody, { model: 'cheap/sim-echo', messages: [] }, 'messages'],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ content: 'x' }] },
      'messages[0].role',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], max_tokens: 0 },
      'max_tokens',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], n: 0 },
      'n',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], models: Array(9).fill('a') },
      'models',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], provider: { nope: 1 } },
      'provider.nope',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], provider: { sort: 'cheapest' } },
      'provider.sort',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], byok_conf: { provider: 'sim' } },
      'byok_conf.credentials',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], usage: { include: 'yes' } },
      'usage.include',
    ],
    ['/v1/embeddings', embeddingsBody, { model: 'cheap/sim-embed', input: [] }, 'input'],
    ['/v1/embeddings', embeddingsBody, { model: 'cheap/sim-embed', input: 'x', dimensions: 0 }, 'dimensions'],
    ['/v1/images/generations', imagesBody, { model: 'x', prompt: 'p', colour: 'red' }, 'colour'],
    ['/v1/images/generations', imagesBody, { model: 'x', prompt: 'p', n: 11 }, 'n'],
    ['/v1/images/generations', imagesBody, { model: 'x', prompt: 'p', size: 'big' }, 'size'],
    [
      '/v1/responses',
      responsesBody,
      { model: 'cheap/sim-echo', input: 'x', previous_response_id: 'r' },
      'previous_response_id',
    ],
    ['/v1/responses', responsesBody, { model: 'cheap/sim-echo', input: 'x', colour: 'red' }, 'colour'],
  ]

  test('what the /v1 schemas refuse, the server refuses, naming the same field', async () => {
    for (const [path, schema, body, param] of refused) {
      assert.equal(schema.safeParse(body).success, false, `schema accepts ${JSON.stringify(body)}`)
      const answer = await gateway.post(path, body)
      assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}`)
      const error = errorEnvelope.parse(await answer.json())
      assert.equal(error.error.param, param, `${path} ${JSON.stringify(body)}`)
    }
  })

  test('/api/v1 bodies: an unknown field is refused by the server and the document says so', async () => {
    const post = (method: string, path: string, body: Json) =>
      fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${managementKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    for (const { method, path, operation } of operations(document)) {
      const body = operation.requestBody?.content['application/json']
      if (body === undefined || operation['x-onekey-auth'] !== 'workspace' || path.includes('{')) continue
      const schema = pointer(document, body.schema.$ref) as Json
      assert.equal(schema.additionalProperties, false, `${method} ${path}`)
      const answer = await post(method, path, { ...body.example, surprise_field: 1 })
      assert.equal(answer.status, 400, `${method} ${path}`)
      assert.equal(
        errorEnvelope.parse(await answer.json()).error.param,
        'surprise_field',
        `${method} ${path}`,
      )
    }
  })
})

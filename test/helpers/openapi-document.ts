/**
 * Shared set-up of the OpenAPI tests (`test/e2e/openapi-*.test.ts`): walking OneKey's own
 * document (operations, `$ref`s) and a running gateway with a sim catalog, its served document
 * and a management key.
 *
 * @module
 */
import { type Json as AnyJson, offer, startTestGateway, type TestGateway } from './test-gateway.ts'

export type Json = Record<string, AnyJson>
export const ADMIN_TOKEN = 'admin-token-for-the-openapi-test-0123456789'
export const SITE = { name: 'Docs Test', publicUrl: 'http://127.0.0.1:1', version: '0.0.0' }

/** Every `$ref` in a value. */
export function refsOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsOf(item, found)
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.push(inner)
      else refsOf(inner, found)
    }
  }
  return found
}

/** The node a local `$ref` (`#/components/...`) points at, or undefined. */
export function pointer(document: Json, ref: string): unknown {
  let node: unknown = document
  for (const part of ref.slice(2).split('/')) node = (node as Json | undefined)?.[part]
  return node
}

/** Every operation of a document, with its upper-case method and path template. */
export function operations(document: Json): { method: string; path: string; operation: Json }[] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operation,
    })),
  )
}

function catalog() {
  return [
    {
      id: 'sim-echo',
      name: 'Sim Echo',
      capabilities: ['streaming', 'tools'],
      offers: [
        offer('sim', { price: { prompt: '0.10', completion: '0.40' }, published: true }),
        offer('sim', { lane: 'resale', price: { prompt: '0.50', completion: '1.50' }, published: true }),
      ],
    },
    {
      id: 'sim-embed',
      name: 'Sim Embed',
      modalities: { input: ['text'], output: ['embedding'] },
      offers: [offer('sim', { price: { prompt: '0.02', completion: '0' }, published: true })],
    },
  ]
}

/** A running gateway for the OpenAPI tests and a management key of its workspace. */
export interface OpenApiGateway {
  gateway: TestGateway
  managementKey: string
}

/** Starts a gateway with the sim catalog (`cheap/sim-echo`, `cheap/sim-embed`) and a management key. */
export async function startOpenApiGateway(): Promise<OpenApiGateway> {
  const gateway = await startTestGateway(
    {
      providers: [{ name: 'sim', kind: 'sim', sim: { latency_ms: 0 } }],
      models: catalog(),
      site: { name: 'Docs Test' },
    },
    { ONEKEY_ADMIN_TOKEN: ADMIN_TOKEN, ONEKEY_MASTER_KEY: 'd4'.repeat(32) },
  )
  const created = await gateway.service.createApiKey({
    workspace: gateway.workspaceId,
    name: 'm',
    management: true,
  })
  return { gateway, managementKey: created.key }
}

/** The document a running gateway serves at `/openapi.json`. */
export async function servedDocument(gateway: TestGateway): Promise<Json> {
  const response = await fetch(`${gateway.url}/openapi.json`)
  return (await response.json()) as Json
}

/**
 * What the API reference knows about one route and method that the route table cannot say:
 * its summary, who may call it, its body and answer schemas (zod, the same objects the server
 * parses with wherever one exists) and its query parameters. The route tables stay the source of
 * which routes exist; build-openapi-document.ts joins the two and the agreement test fails when
 * either has an entry the other lacks.
 *
 * @module
 */
import type { z } from 'zod'

/** The areas of the API, one tag (and one section of `/docs/api`) each, in reading order. */
export const TAGS = [
  {
    name: 'Inference',
    description: 'OpenAI-compatible endpoints: chat, completions, responses, embeddings and images.',
  },
  {
    name: 'Models and quotes',
    description: 'The models a key may use, and a quote per lane before sending.',
  },
  {
    name: 'Workspace',
    description:
      'Settings, stored BYOK keys, spend limits and the calling key (management keys or the console).',
  },
  { name: 'API keys', description: 'Create, list and revoke the workspace’s API keys.' },
  {
    name: 'Credits and billing',
    description: 'Balance, credit codes, card checkout, auto top-up and the ledger.',
  },
  { name: 'Usage and logs', description: 'Request logs, generations, activity and exports.' },
  { name: 'Members', description: 'Members, invitations and the audit log.' },
  { name: 'Alerts', description: 'Balance alerts, webhooks and their delivery log.' },
  {
    name: 'Console accounts',
    description: 'Sign-up, sign-in, sessions, passwords and two-factor for the console.',
  },
  {
    name: 'Operator',
    description: 'The operator’s routes: workspaces, credits, credit codes, providers, revenue.',
  },
  { name: 'Service', description: 'Health, readiness, metrics, this document and payment webhooks.' },
] as const

export type TagName = (typeof TAGS)[number]['name']

/**
 * Who may call a route, as the server checks it:
 * - `apiKey`: any API key of a workspace, as a bearer token;
 * - `apiKeyOrSession`: any API key, or a console session whose role has the route's action;
 * - `workspace`: a management API key (acts as admin) or a console session whose role has the
 *   route's action (http/route-permissions.ts); a session's changes carry the CSRF token;
 * - `member`: a console session only (never an API key) whose role has the route's action;
 * - `session`: a signed-in console session (CSRF token on changes);
 * - `anonymous`: no credentials, but a browser's Origin must be this deployment's (sign-in…);
 * - `operator`: the admin token, or the session of a user with the operator flag;
 * - `adminTokenWhenSet`: the admin token when one is configured, open otherwise (`/metrics`);
 * - `public`: nothing;
 * - `stripe`: Stripe's signature of the exact body.
 */
export type AuthKind =
  | 'apiKey'
  | 'apiKeyOrSession'
  | 'workspace'
  | 'member'
  | 'session'
  | 'anonymous'
  | 'operator'
  | 'adminTokenWhenSet'
  | 'public'
  | 'stripe'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** A query parameter: its schema is zod so the document and the description come from one place. */
export interface QueryParameter {
  name: string
  description: string
  schema: z.ZodType
  required?: boolean
}

/** A success answer other than JSON (CSV, NDJSON, Prometheus text, SSE). */
export interface OtherContent {
  mediaType: string
  description: string
}

export interface OperationSpec {
  method: HttpMethod
  /** The path as documented; `{name}` marks a parameter (the route table's prefix ends before the first). */
  path: string
  tag: TagName
  summary: string
  description?: string
  auth: AuthKind
  /** Descriptions of the path parameters, by name. */
  pathParameters?: Record<string, string>
  query?: readonly QueryParameter[]
  /** The body's schema: the server's own zod object wherever it parses with one. */
  body?: z.ZodType
  /** An example body for the curl snippet (checked against `body` by the tests). */
  example?: Record<string, unknown>
  /** Which of the deployment's models replaces the example's `model` (see {@link ExampleModels}). */
  exampleModel?: keyof ExampleModels
  /** The success status (200 when absent). */
  status?: number
  /** The success answer's schema, where a zod contract exists. */
  answer?: z.ZodType
  /** Other media types the success answer may come as (e.g. a stream), or instead of JSON. */
  content?: readonly OtherContent[]
  /** The success answer described in words, when there is no schema. */
  answerDescription?: string
}

/** Model IDs of this deployment's catalog for the examples, by what they make; absent: the placeholder stays. */
export interface ExampleModels {
  text?: string | undefined
  embedding?: string | undefined
  image?: string | undefined
}

/** `METHOD path`: the key of an operation, and of ROUTE_PERMISSIONS. */
export function operationKey(spec: Pick<OperationSpec, 'method' | 'path'>): string {
  return `${spec.method} ${spec.path}`
}

/** The route table's key for an operation: the exact path, or the prefix before the first parameter. */
export function routeKeyOf(path: string): { path: string; parameter: boolean } {
  const index = path.indexOf('{')
  return index === -1 ? { path, parameter: false } : { path: path.slice(0, index), parameter: true }
}

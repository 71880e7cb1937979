/**
 * The console playground's routes, for a signed-in member (cookie session + CSRF token, the
 * `playground.use` action of the permission table), never for an API key:
 *
 *   POST /api/v1/playground/chat/completions  {model, messages, max_tokens?, temperature?}
 *        → the answer as an SSE stream, exactly as `/v1/chat/completions` streams it (usage and
 *          `usage.cost` in the last chunk; lane, provider and attempts in `x-onekey-*` headers)
 *   POST /api/v1/playground/quote             the same body → `/v1/quote`'s answer for every lane
 *
 * A chat request runs the real chat pipeline (gateway/endpoints/proxy-chat-completion.ts) under
 * the workspace's "Console playground" key (http/playground-key.ts): limits, the hold, spend
 * limits, the request log and the ledger work as for any request, and the workspace pays. The
 * body is strict (unknown fields refused, by name). `site.pages.playground: false` turns both
 * routes off (404).
 *
 * @module
 */
import { z } from 'zod'
import type { AuthenticatedKey } from '../auth/authenticator.ts'
import type { OpenAIChatCompletionRequest } from '../contracts/openai-wire.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { proxyChatCompletion } from '../gateway/endpoints/proxy-chat-completion.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import { validateChatCompletionRequest } from '../gateway/validate/validate-chat-request.ts'
import type { AppDependencies, Handler } from './app-dependencies.ts'
import { parseBody } from './parse-body.ts'
import { createPlaygroundKeys } from './playground-key.ts'
import { ROUTE_PERMISSIONS } from './route-permissions.ts'
import { sendJson } from './send-response.ts'
import { workspaceAsCaller } from './workspace-as-caller.ts'
import type { CallerResolver, WorkspaceCaller } from './workspace-caller.ts'

export const PLAYGROUND_CHAT_PATH = '/api/v1/playground/chat/completions'
export const PLAYGROUND_QUOTE_PATH = '/api/v1/playground/quote'

const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().max(200_000),
})

/** A playground request: only these fields; anything else is refused, never ignored. */
export const playgroundBody = z.strictObject({
  model: z.string().min(1).max(300).describe('a model ID of this workspace, e.g. cheap/gpt-4o-mini'),
  messages: z
    .array(message)
    .min(1)
    .max(200)
    .describe('1 to 200 messages {role: system, user or assistant, content: a string}'),
  max_tokens: z.number().int().min(1).max(1_000_000).optional().describe('an integer from 1 to 1000000'),
  temperature: z.number().min(0).max(2).optional().describe('a number from 0 to 2'),
})

export type PlaygroundBody = z.infer<typeof playgroundBody>

export interface PlaygroundRouteDependencies {
  callers: CallerResolver
  readBody(context: RequestContext): Promise<Record<string, unknown>>
  /** `POST /v1/quote` (routes/quote.ts) for a key. */
  quote(key: AuthenticatedKey, request: OpenAIChatCompletionRequest): Promise<string>
}

/** The chat request the pipeline gets: always streamed, with usage (and its cost) in the last chunk. */
export function playgroundChatRequest(body: PlaygroundBody): OpenAIChatCompletionRequest {
  return validateChatCompletionRequest({
    model: body.model,
    messages: body.messages,
    ...(body.max_tokens === undefined ? {} : { max_tokens: body.max_tokens }),
    ...(body.temperature === undefined ? {} : { temperature: body.temperature }),
    stream: true,
    stream_options: { include_usage: true },
  })
}

/** The playground's routes by path, to be added to the route table. */
export function createPlaygroundRoutes(
  dependencies: AppDependencies,
  routes: PlaygroundRouteDependencies,
): Map<string, Map<string, Handler>> {
  const keys = createPlaygroundKeys({ apiKeys: dependencies.apiKeys, audit: dependencies.audit })

  /** The signed-in member allowed to use the playground, and the request's validated body. */
  async function admit(
    context: RequestContext,
    route: 'POST /api/v1/playground/chat/completions' | 'POST /api/v1/playground/quote',
  ): Promise<{ caller: WorkspaceCaller; body: PlaygroundBody }> {
    if (!dependencies.site.pages.playground)
      throw new GatewayError('route_not_found', `Invalid URL (POST ${context.path}).`)
    const caller = await routes.callers.workspaceCaller(context, ROUTE_PERMISSIONS[route])
    if (caller.key !== null) {
      // A management key would be answered under another key: API keys call /v1/* themselves.
      context.key = undefined
      throw new GatewayError(
        'permission_denied',
        'The playground is for signed-in console members; with an API key, call /v1/chat/completions.',
      )
    }
    context.headers = { ...context.headers, 'cache-control': 'no-store' }
    return { caller, body: parseBody(playgroundBody, await routes.readBody(context)) }
  }

  const chat: Handler = async (context) => {
    const { caller, body } = await admit(context, 'POST /api/v1/playground/chat/completions')
    const request = playgroundChatRequest(body)
    context.key = await keys.keyFor(caller.workspaceId, caller.actor)
    await proxyChatCompletion(context, request, dependencies)
  }

  const quote: Handler = async (context) => {
    const { caller, body } = await admit(context, 'POST /api/v1/playground/quote')
    const request = playgroundChatRequest(body)
    const workspace = await dependencies.workspaces.find(caller.workspaceId)
    if (workspace === undefined) throw new GatewayError('not_found', 'The workspace no longer exists.')
    // The playground key may use every lane and model: quote as the workspace itself, no key created.
    const key = workspaceAsCaller(workspace, {
      keyId: 'playground-quote',
      name: 'console playground quote',
      management: false,
    })
    sendJson(context, 200, await routes.quote(key, request))
  }

  return new Map([
    [PLAYGROUND_CHAT_PATH, new Map([['POST', chat]])],
    [PLAYGROUND_QUOTE_PATH, new Map([['POST', quote]])],
  ])
}

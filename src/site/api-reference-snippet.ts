/**
 * The curl example of one API operation, with the deployment's base URL, the credentials the
 * operation takes (as environment variables, never a real secret), example path parameters and
 * the documented example body.
 *
 * @module
 */

/** What the snippet needs to know about an operation. */
export interface SnippetInput {
  method: string
  path: string
  /** The public base URL, without a trailing slash. */
  baseUrl: string
  /** `x-onekey-auth` of the operation. */
  auth: string
  /** Required query parameters. */
  query: readonly string[]
  body: unknown
  /** The session cookie's name. */
  cookieName: string
}

/** Example values for path parameters, so the URL is one a reader can adapt (and curl accepts). */
const EXAMPLE_PARAMETERS: Readonly<Record<string, string>> = {
  model: 'cheap/gpt-4o-mini',
  provider: 'openai',
  account: 'main',
  workspace: 'acme',
  id: 'ID',
  user_id: 'USER_ID',
  code: 'OKC-ABCD',
}

/** Single-quotes text for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`
}

function credentials(input: SnippetInput, changes: boolean): string[] {
  const session = [
    `-b "${input.cookieName}=$ONEKEY_SESSION"`,
    ...(changes ? ['-H "X-CSRF-Token: $ONEKEY_CSRF"'] : []),
  ]
  switch (input.auth) {
    case 'apiKey':
    case 'apiKeyOrSession':
      return ['-H "Authorization: Bearer $ONEKEY_API_KEY"']
    case 'workspace':
      return ['-H "Authorization: Bearer $ONEKEY_MANAGEMENT_KEY"']
    case 'operator':
    case 'adminTokenWhenSet':
      return ['-H "Authorization: Bearer $ONEKEY_ADMIN_TOKEN"']
    case 'session':
    case 'member':
      return session
    case 'stripe':
      return ['-H "Stripe-Signature: $STRIPE_SIGNATURE"']
    default:
      return []
  }
}

/** The curl command, one option per line. */
export function curlSnippet(input: SnippetInput): string {
  const path = input.path.replace(
    /\{([^}]+)\}/g,
    (_match, name: string) => EXAMPLE_PARAMETERS[name] ?? name.toUpperCase(),
  )
  const query =
    input.query.length === 0 ? '' : `?${input.query.map((name) => `${name}=${name.toUpperCase()}`).join('&')}`
  const lines = [`curl ${shellQuote(`${input.baseUrl}${path}${query}`)}`]
  if (input.method !== 'GET') lines.push(`-X ${input.method}`)
  lines.push(...credentials(input, input.method !== 'GET'))
  if (input.body !== undefined) {
    lines.push('-H "Content-Type: application/json"')
    lines.push(`-d ${shellQuote(JSON.stringify(input.body, null, 2))}`)
  }
  return lines.join(' \\\n  ')
}

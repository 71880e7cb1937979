/** The Quick start's model choices and copy-paste snippets (pure, tested). @module */

export interface LaneExample {
  lane: 'cheap' | 'resale' | 'byok'
  model: string
  /** True when no model of that lane is available to this workspace: a placeholder is shown. */
  placeholder: boolean
}

const PLACEHOLDERS = { cheap: 'cheap/<model>', resale: 'resale/<model>', byok: 'byok/<provider>/<model>' }

/** The first model ID of each lane prefix, or a placeholder. */
export function laneExamples(ids: readonly string[]): LaneExample[] {
  return (['cheap', 'resale', 'byok'] as const).map((lane) => {
    const found = ids.find((id) => id.startsWith(`${lane}/`))
    return found === undefined
      ? { lane, model: PLACEHOLDERS[lane], placeholder: true }
      : { lane, model: found, placeholder: false }
  })
}

export function curlSnippet(baseUrl: string, model: string): string {
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] })
  return [
    `curl ${baseUrl.replace(/\/$/, '')}/chat/completions \\`,
    '  -H "Authorization: Bearer $ONEKEY_API_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    `  -d '${body.replaceAll("'", "'\\''")}'`,
  ].join('\n')
}

export function pythonSnippet(baseUrl: string, model: string): string {
  return [
    'import os',
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${JSON.stringify(baseUrl)}, api_key=os.environ["ONEKEY_API_KEY"])`,
    'reply = client.chat.completions.create(',
    `    model=${JSON.stringify(model)},`,
    '    messages=[{"role": "user", "content": "Hello!"}],',
    ')',
    'print(reply.choices[0].message.content)',
  ].join('\n')
}

export function typescriptSnippet(baseUrl: string, model: string): string {
  return [
    "import OpenAI from 'openai'",
    '',
    `const client = new OpenAI({ baseURL: ${JSON.stringify(baseUrl)}, apiKey: process.env.ONEKEY_API_KEY })`,
    'const reply = await client.chat.completions.create({',
    `  model: ${JSON.stringify(model)},`,
    "  messages: [{ role: 'user', content: 'Hello!' }],",
    '})',
    'console.log(reply.choices[0]?.message.content)',
  ].join('\n')
}

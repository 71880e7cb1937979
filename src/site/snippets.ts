/**
 * Copy-paste snippets for one model ID against this deployment's base URL: curl, Python
 * `openai` and TypeScript `openai`, for chat, embedding or image models. The key comes from the
 * `ONEKEY_API_KEY` environment variable, so a snippet runs as is once that is set.
 *
 * @module
 */
import { html, type Raw } from './html.ts'

/** What kind of call a model takes. */
export type SnippetKind = 'chat' | 'embedding' | 'image'

export function snippetKind(output: readonly string[]): SnippetKind {
  if (output.includes('embedding')) return 'embedding'
  if (output.includes('image') && !output.includes('text')) return 'image'
  return 'chat'
}

export interface Snippets {
  curl: string
  python: string
  typescript: string
}

/** The three snippets for `model` (an ID a client sends) at `baseUrl` (…/v1). */
export function snippetsFor(baseUrl: string, model: string, kind: SnippetKind): Snippets {
  const path =
    kind === 'embedding' ? '/embeddings' : kind === 'image' ? '/images/generations' : '/chat/completions'
  const body =
    kind === 'embedding'
      ? `{"model": "${model}", "input": "The quick brown fox"}`
      : kind === 'image'
        ? `{"model": "${model}", "prompt": "A lighthouse at dawn, watercolour", "size": "1024x1024"}`
        : `{"model": "${model}", "messages": [{"role": "user", "content": "Say hello in one sentence."}]}`
  const curl = [
    `curl ${baseUrl}${path} \\`,
    '  -H "Authorization: Bearer $ONEKEY_API_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    `  -d '${body}'`,
  ].join('\n')
  const pythonCall =
    kind === 'embedding'
      ? [
          `result = client.embeddings.create(model="${model}", input="The quick brown fox")`,
          'print(len(result.data[0].embedding))',
        ]
      : kind === 'image'
        ? [
            `result = client.images.generate(model="${model}", prompt="A lighthouse at dawn, watercolour", size="1024x1024")`,
            'print(result.data[0].url or "image returned as base64")',
          ]
        : [
            'completion = client.chat.completions.create(',
            `    model="${model}",`,
            '    messages=[{"role": "user", "content": "Say hello in one sentence."}],',
            ')',
            'print(completion.choices[0].message.content)',
          ]
  const python = [
    'import os',
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url="${baseUrl}", api_key=os.environ["ONEKEY_API_KEY"])`,
    '',
    ...pythonCall,
  ].join('\n')
  const typescriptCall =
    kind === 'embedding'
      ? [
          `const result = await client.embeddings.create({ model: '${model}', input: 'The quick brown fox' })`,
          'console.log(result.data[0].embedding.length)',
        ]
      : kind === 'image'
        ? [
            `const result = await client.images.generate({ model: '${model}', prompt: 'A lighthouse at dawn, watercolour', size: '1024x1024' })`,
            "console.log(result.data?.[0]?.url ?? 'image returned as base64')",
          ]
        : [
            'const completion = await client.chat.completions.create({',
            `  model: '${model}',`,
            "  messages: [{ role: 'user', content: 'Say hello in one sentence.' }],",
            '})',
            'console.log(completion.choices[0].message.content)',
          ]
  const typescript = [
    "import OpenAI from 'openai'",
    '',
    `const client = new OpenAI({ baseURL: '${baseUrl}', apiKey: process.env.ONEKEY_API_KEY })`,
    '',
    ...typescriptCall,
  ].join('\n')
  return { curl, python, typescript }
}

/** The snippets as a tabs block (page-shell's tabs convention), labelled for screen readers. */
export function snippetTabs(snippets: Snippets, label: string): Raw {
  return html`<div class="tabs" data-tabs data-tabs-label="${label}">
<section data-tab-label="curl"><p class="tab-heading">curl</p><pre tabindex="0"><code class="language-bash">${snippets.curl}</code></pre></section>
<section data-tab-label="Python"><p class="tab-heading">Python (openai)</p><pre tabindex="0"><code class="language-python">${snippets.python}</code></pre></section>
<section data-tab-label="TypeScript"><p class="tab-heading">TypeScript (openai)</p><pre tabindex="0"><code class="language-ts">${snippets.typescript}</code></pre></section>
</div>`
}

/**
 * `/docs/api`: the API reference rendered on the server from the OpenAPI document (built by
 * http/openapi/, passed in: this layer does not import http/). One section per tag, one block
 * per operation: method and path, summary, who may call, parameters, the request body's fields,
 * responses (the answer's fields behind a disclosure), and a curl example with this
 * deployment's base URL. A table of contents in the sidebar links every block by its
 * `operationId`. No viewer script: the page's JS is the site's copy buttons and theme.
 *
 * @module
 */

import {
  extraFields,
  type FieldRow,
  fieldRows,
  type JsonSchema,
  topAlternatives,
} from './api-reference-schema.ts'
import { curlSnippet } from './api-reference-snippet.ts'
import { html, type Raw, raw } from './html.ts'
import { renderPage } from './page-shell.ts'
import type { SiteSettings } from './site-settings.ts'

type Json = Record<string, unknown>

interface Operation {
  method: string
  path: string
  id: string
  tag: string
  summary: string
  description: string
  auth: string
  parameters: Json[]
  body: JsonSchema | undefined
  example: unknown
  responses: [string, Json][]
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

/** `text` with `` `code` `` and `**bold**` as markup, everything else escaped. */
export function inlineMarkup(text: string): Raw {
  const parts = text.split(/(`[^`]+`|\*\*[^*]+\*\*)/g)
  return html`${parts.map((part) =>
    part.startsWith('`') && part.endsWith('`') && part.length > 1
      ? html`<code>${part.slice(1, -1)}</code>`
      : part.startsWith('**') && part.endsWith('**') && part.length > 4
        ? html`<strong>${part.slice(2, -2)}</strong>`
        : part,
  )}`
}

function paragraphs(text: string): Raw {
  return html`${text
    .split(/\n{2,}/)
    .filter((paragraph) => paragraph.trim() !== '')
    .map((paragraph) => html`<p>${inlineMarkup(paragraph)}</p>`)}`
}

/** Follows a `$ref` into `components`. */
function resolve(document: Json, value: unknown): Json {
  const ref = (value as Json | undefined)?.$ref
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return (value ?? {}) as Json
  let node: unknown = document
  for (const part of ref.slice(2).split('/')) node = (node as Json | undefined)?.[part]
  return (node ?? {}) as Json
}

function operationsOf(document: Json): Operation[] {
  const found: Operation[] = []
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined
      if (operation === undefined) continue
      const body = (resolve(document, operation.requestBody).content as Json | undefined)?.[
        'application/json'
      ] as Json | undefined
      found.push({
        method: method.toUpperCase(),
        path,
        id: String(operation.operationId),
        tag: ((operation.tags as string[] | undefined) ?? ['Other'])[0]!,
        summary: String(operation.summary ?? ''),
        description: String(operation.description ?? ''),
        auth: String(operation['x-onekey-auth'] ?? ''),
        parameters: ((operation.parameters ?? []) as Json[]).map((parameter) => resolve(document, parameter)),
        body: body === undefined ? undefined : resolve(document, body.schema),
        example: body?.example,
        responses: Object.entries((operation.responses ?? {}) as Json).map(
          ([status, response]) => [status, resolve(document, response)] as [string, Json],
        ),
      })
    }
  }
  return found
}

/** A table in the site's scrolling, keyboard-reachable region. */
function table(label: string, head: readonly string[], rows: readonly Raw[], stacked = false): Raw {
  return html`<div class="table-scroll" role="region" tabindex="0" aria-label="${label}">
<table${stacked ? raw(' class="lane-table"') : ''}><thead><tr>${head.map((cell) => html`<th scope="col">${cell}</th>`)}</tr></thead>
<tbody>${rows}</tbody></table></div>`
}

/**
 * A row that stacks on phones (the site's `lane-table` layout: the name on its own line, then
 * each cell under its column's name, the description full width).
 */
function stackedRow(name: string, cells: readonly [string, string][], description: string): Raw {
  return html`<tr><th scope="row"><code>${name}</code></th>${cells.map(
    ([label, value]) => html`<td data-label="${label}">${value}</td>`,
  )}<td class="wide" data-label="Description">${inlineMarkup(description)}</td></tr>`
}

function fieldTable(label: string, rows: readonly FieldRow[]): Raw {
  return table(
    label,
    ['Field', 'Type', 'Required', 'Description'],
    rows.map((row) =>
      stackedRow(
        row.path,
        [
          ['Type', row.type],
          ['Required', row.required ? 'yes' : 'no'],
        ],
        row.description,
      ),
    ),
    true,
  )
}

function schemaBlock(label: string, schema: JsonSchema): Raw {
  const options = topAlternatives(schema)
  return html`${options.map((option, index) => {
    const extra = extraFields(option)
    const title =
      options.length > 1
        ? html`<p><strong>Form ${index + 1}:</strong> ${inlineMarkup(String(option.description ?? ''))}</p>`
        : ''
    const note =
      extra === 'refused'
        ? html`<p class="muted">Any other field is refused with a 400 naming it.</p>`
        : extra === 'passed'
          ? html`<p class="muted">Other fields pass through to the upstream.</p>`
          : ''
    const rows = fieldRows(option)
    return html`${title}${rows.length === 0 ? html`<p>No fields.</p>` : fieldTable(`${label}${options.length > 1 ? ` (form ${index + 1})` : ''}`, rows)}${note}`
  })}`
}

function parametersBlock(operation: Operation): Raw {
  if (operation.parameters.length === 0) return html``
  return html`<h4>Parameters</h4>${table(
    `Parameters of ${operation.method} ${operation.path}`,
    ['Name', 'In', 'Type', 'Required', 'Description'],
    operation.parameters.map((parameter) => {
      const schema = (parameter.schema ?? {}) as JsonSchema
      const row = fieldRows({ properties: { value: schema } })[0]!
      return stackedRow(
        String(parameter.name),
        [
          ['In', String(parameter.in)],
          ['Type', row.type],
          ['Required', parameter.required === true ? 'yes' : 'no'],
        ],
        `${String(parameter.description ?? '')} ${row.description}`.trim(),
      )
    }),
    true,
  )}`
}

/** The anchor of an error status in the Errors section. */
function errorId(status: string): string {
  return `error-${status}`
}

function responsesBlock(document: Json, operation: Operation): Raw {
  const success = operation.responses.filter(([status]) => status.startsWith('2'))
  const errors = operation.responses.filter(([status]) => !status.startsWith('2'))
  const rows = success.map(([status, response]) => {
    const types = Object.keys((response.content ?? {}) as Json)
    return html`<tr><td>${status}</td><td>${inlineMarkup(String(response.description ?? ''))}${
      types.length > 0 ? html` <span class="muted">(${types.join(', ')})</span>` : ''
    }</td></tr>`
  })
  if (errors.length > 0) {
    rows.push(
      html`<tr><td>${errors.map(([status], index) => html`${index === 0 ? '' : ', '}<a href="#${errorId(status)}">${status}</a>`)}</td><td>The error envelope (see <a href="#errors">Errors</a> for the codes of each status).</td></tr>`,
    )
  }
  const first = success[0]
  const schema =
    first === undefined
      ? undefined
      : resolve(
          document,
          ((first[1].content as Json | undefined)?.['application/json'] as Json | undefined)?.schema,
        )
  const answerFields = schema === undefined ? [] : fieldRows(schema)
  return html`<h4>Responses</h4>${table(`Responses of ${operation.method} ${operation.path}`, ['Status', 'Meaning'], rows)}${
    answerFields.length === 0
      ? ''
      : html`<details><summary>Answer fields (${first![0]})</summary>${fieldTable(`Answer of ${operation.method} ${operation.path}`, answerFields)}</details>`
  }`
}

/** The Errors section: the envelope, and the codes of each status from the document's error answers. */
function errorsSection(document: Json): Raw {
  const responses = ((document.components as Json | undefined)?.responses ?? {}) as Record<string, Json>
  const rows = Object.entries(responses)
    .map(([name, response]) => [name.replace(/^Error/, ''), response] as const)
    .filter(([status]) => /^\d{3}$/.test(status))
    .map(
      ([status, response]) =>
        html`<tr id="${errorId(status)}"><td>${status}</td><td>${inlineMarkup(String(response.description ?? ''))}</td></tr>`,
    )
  return html`<section aria-labelledby="errors">
<h2 id="errors">Errors</h2>
<p>Every error answer is OpenAI’s envelope. <code>param</code> names the field at fault (on <code>/api/v1</code> a body field by name); an unknown body field is refused with a 400 naming it.</p>
<pre><code class="language-json">${JSON.stringify({ error: { message: "Unknown field 'nmae'; expected name, expires_in_days, lanes, models, management or limits.", type: 'invalid_request_error', code: 'invalid_parameter', param: 'nmae' } }, null, 2)}</code></pre>
${table('Error codes by status', ['Status', 'Codes'], rows)}
</section>`
}

function operationBlock(document: Json, site: SiteSettings, operation: Operation, cookieName: string): Raw {
  const required = operation.parameters.filter(
    (parameter) => parameter.in === 'query' && parameter.required === true,
  )
  const curl = curlSnippet({
    method: operation.method,
    path: operation.path,
    baseUrl: site.publicUrl,
    auth: operation.auth,
    query: required.map((parameter) => String(parameter.name)),
    body: operation.body === undefined ? undefined : (operation.example ?? {}),
    cookieName,
  })
  return html`<section class="card api-operation" aria-labelledby="${operation.id}">
<h3 id="${operation.id}">${operation.summary}</h3>
<p><span class="chip">${operation.method}</span> <code>${operation.path}</code></p>
${paragraphs(operation.description)}
${parametersBlock(operation)}
${operation.body === undefined ? '' : html`<h4>Request body</h4>${schemaBlock(`Request body of ${operation.method} ${operation.path}`, operation.body)}`}
${responsesBlock(document, operation)}
<h4>Example</h4>
<pre><code class="language-bash">${curl}</code></pre>
</section>`
}

function tagId(name: string): string {
  return `tag-${name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`
}

/** The full page for `document` (an OpenAPI 3.1 document as http/openapi/ builds it). */
export function renderApiReferencePage(site: SiteSettings, document: Json): string {
  const operations = operationsOf(document)
  const tags = ((document.tags ?? []) as { name: string; description?: string }[]).filter((tag) =>
    operations.some((operation) => operation.tag === tag.name),
  )
  const schemes = ((document.components as Json | undefined)?.securitySchemes ?? {}) as Record<string, Json>
  const cookieName = String(schemes.session?.name ?? 'onekey_session')
  const info = (document.info ?? {}) as Json
  const sidebar = html`<nav aria-label="API reference contents"><ul>
<li><a href="#authentication">Authentication</a></li>
<li><a href="#errors">Errors</a></li>
${tags.map((tag) => html`<li><a href="#${tagId(tag.name)}">${tag.name}</a></li>`)}
</ul></nav>`
  const main = html`<h1>API reference</h1>
${paragraphs(String(info.description ?? ''))}
<p>Base URL: <code>${site.publicUrl}</code> · version ${String(info.version ?? '')} · the machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<section aria-labelledby="authentication">
<h2 id="authentication">Authentication</h2>
${table(
  'Authentication schemes',
  ['Scheme', 'How', 'What it is'],
  Object.entries(schemes).map(
    ([name, scheme]) =>
      html`<tr><td><code>${name}</code></td><td>${scheme.type === 'http' ? `Authorization: Bearer` : `${String(scheme.in)} ${String(scheme.name)}`}</td><td>${inlineMarkup(String(scheme.description ?? ''))}</td></tr>`,
  ),
)}
</section>
${errorsSection(document)}
${tags.map(
  (tag) => html`<section aria-labelledby="${tagId(tag.name)}">
<h2 id="${tagId(tag.name)}">${tag.name}</h2>
${tag.description === undefined ? '' : html`<p>${inlineMarkup(tag.description)}</p>`}
<ul class="api-contents" aria-label="${tag.name} endpoints">${operations
    .filter((operation) => operation.tag === tag.name)
    .map(
      (operation) =>
        html`<li><a href="#${operation.id}">${operation.summary}</a> <code>${operation.method} ${operation.path}</code></li>`,
    )}</ul>
${operations.filter((operation) => operation.tag === tag.name).map((operation) => operationBlock(document, site, operation, cookieName))}
</section>`,
)}`
  return renderPage(site, {
    title: 'API reference',
    description: `Every endpoint of the ${site.name} API: OpenAI-compatible inference, quotes, and the management API, with request fields and curl examples.`,
    path: '/docs/api',
    main,
    section: 'api',
    sidebar,
  })
}

/**
 * The monitoring files in deploy/: the Prometheus alert rules checked and unit-tested by
 * `promtool` (Debian's `prometheus` package; .ci/run installs it, so under CI=true it is
 * mandatory, elsewhere these checks skip with one message), the Grafana dashboard's JSON model
 * checked for structure and every PromQL expression in it parsed by `promtool`, and every metric
 * either file uses found on a real gateway's /metrics (whose text promtool lints too).
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from './fakes/fake-upstream.ts'
import { fakeProvider, startTestGateway, type TestGateway } from './helpers/test-gateway.ts'

const root = join(import.meta.dirname, '..')
const RULES = join(root, 'deploy/prometheus/onekey-alerts.yml')
const RULE_TESTS = join(root, 'deploy/prometheus/onekey-alerts.test.yml')
const DASHBOARD = join(root, 'deploy/grafana/onekey-dashboard.json')
const IN_CI = process.env.CI === 'true' || process.env.CI === '1'

/** Where promtool is, or why the checks that need it skip (under CI a missing promtool fails). */
function findPromtool(): { path: string; skip: false } | { path: undefined; skip: string } {
  const found = spawnSync('promtool', ['--version'], { encoding: 'utf8' })
  if (found.status === 0) return { path: 'promtool', skip: false }
  const problem = found.error?.message ?? found.stderr
  if (IN_CI) throw new Error(`CI=true requires promtool (Debian package prometheus): ${problem}`)
  const reason =
    'promtool not found; `apt-get install prometheus` (Debian) to check the alert rules and PromQL'
  console.warn(`# SKIP promtool checks: ${reason}`)
  return { path: undefined, skip: reason }
}
const promtool = findPromtool()

function runPromtool(...args: string[]): string {
  const result = spawnSync(promtool.path!, args, { encoding: 'utf8' })
  assert.equal(result.status, 0, `promtool ${args.join(' ')}:\n${result.stdout}${result.stderr}`)
  return result.stdout
}

interface Rule {
  alert?: string
  record?: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}
interface Target {
  refId: string
  expr: string
  datasource: { type: string; uid: string }
}
interface Panel {
  id: number
  type: string
  title: string
  gridPos: { x: number; y: number; w: number; h: number }
  datasource?: { type: string; uid: string }
  targets?: Target[]
}
interface Variable {
  name: string
  type: string
  query: unknown
  definition?: string
}
interface Dashboard {
  title: string
  uid: string
  schemaVersion: number
  panels: Panel[]
  templating: { list: Variable[] }
}

const rules = (
  parseYaml(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }
).groups.flatMap((group) => group.rules)
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard
const panels = dashboard.panels.filter((panel) => panel.type !== 'row')
const dashboardExprs = panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr))
const variableQueries = dashboard.templating.list.flatMap((variable) =>
  variable.type === 'query' ? [variable.definition ?? ''] : [],
)

/** Grafana's variables replaced by values Prometheus accepts, so promtool can parse the query. */
function withVariablesFilled(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?(\w+)\}?/g, '.*')
}

/** The metric names an expression uses: our three prefixes, outside quoted label values. */
function metricNames(expr: string): string[] {
  const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')
  return [...unquoted.matchAll(/\b(?:onekey|process|nodejs)_[a-zA-Z0-9_]*/g)].map((match) => match[0])
}

test('alert rules: every alert has for, a severity, summary, description and a runbook hint', () => {
  const alerts = rules.filter((rule) => rule.alert !== undefined)
  const names = alerts.map((rule) => rule.alert)
  for (const wanted of [
    'OneKeyLaneNoHealthyOffer',
    'OneKeyHighErrorRatio',
    'OneKeyTimeToFirstByteP99High',
    'OneKeyRateLimiterDegraded',
    'OneKeySettlementBacklog',
    'OneKeyLedgerVerifyMismatch',
    'OneKeyLedgerVerifyStale',
  ])
    assert.ok(names.includes(wanted), `${wanted} in ${names.join(', ')}`)
  assert.equal(new Set(names).size, names.length, 'alert names are unique')
  for (const rule of alerts) {
    assert.match(rule.for ?? '', /^\d+[smh]$/, `${rule.alert}: for`)
    assert.ok(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `${rule.alert}: severity`)
    for (const annotation of ['summary', 'description', 'runbook'])
      assert.ok((rule.annotations?.[annotation] ?? '').length > 10, `${rule.alert}: ${annotation}`)
  }
})

test('alert rules: promtool check rules, and promtool test rules (onekey-alerts.test.yml)', {
  skip: promtool.skip,
}, () => {
  assert.match(runPromtool('check', 'rules', RULES), /SUCCESS: \d+ rules found/)
  assert.match(runPromtool('test', 'rules', RULE_TESTS), /SUCCESS/)
})

test('dashboard: a Grafana JSON model with a Prometheus data-source variable, lane and provider variables, panels on the grid', () => {
  assert.ok(dashboard.schemaVersion >= 36, 'Grafana 9.x-11 JSON model')
  assert.match(dashboard.uid, /^[a-zA-Z0-9_-]{1,40}$/)
  const variables = new Map(dashboard.templating.list.map((variable) => [variable.name, variable]))
  assert.deepEqual(
    { type: variables.get('datasource')?.type, query: variables.get('datasource')?.query },
    { type: 'datasource', query: 'prometheus' },
  )
  for (const name of ['lane', 'provider', 'job', 'instance'])
    assert.equal(variables.get(name)?.type, 'query', name)

  const ids = dashboard.panels.map((panel) => panel.id)
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  const taken = new Set<string>()
  for (const panel of dashboard.panels) {
    const { x, y, w, h } = panel.gridPos
    assert.ok(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `${panel.title}: inside the 24-column grid`)
    for (let column = x; column < x + w; column++)
      for (let row = y; row < y + h; row++) {
        assert.ok(!taken.has(`${column},${row}`), `${panel.title} overlaps another panel at ${column},${row}`)
        taken.add(`${column},${row}`)
      }
  }
  const known = new Set([...variables.keys(), '__rate_interval', '__interval', '__range'])
  for (const panel of panels) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
    assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, panel.title)
    assert.ok((panel.targets ?? []).length > 0, `${panel.title}: has queries`)
    const refIds = panel.targets!.map((target) => target.refId)
    assert.equal(new Set(refIds).size, refIds.length, `${panel.title}: refIds are unique`)
    for (const target of panel.targets!) {
      assert.deepEqual(target.datasource, panel.datasource, `${panel.title}: the query's data source`)
      for (const [, name] of target.expr.matchAll(/\$\{?(\w+)\}?/g))
        assert.ok(known.has(name!), `${panel.title}: $${name} is a variable`)
    }
  }
  const titles = panels.map((panel) => panel.title.toLowerCase()).join(' | ')
  for (const wanted of [
    'requests by lane',
    'requests by provider',
    'responses by status',
    'time to first byte',
    'open circuits',
    'rate-limit decisions',
    'charged usd per minute',
    'holds',
    'resident memory',
    'event-loop delay',
    'gc time',
  ])
    assert.ok(titles.includes(wanted), `a panel for ${wanted}`)
})

test('dashboard: every PromQL expression (panels and variables) parses', { skip: promtool.skip }, () => {
  // label_values(metric{selector}, label): the selector is an expression of its own.
  const selectors = variableQueries.map((query) => {
    const selector = /^label_values\((.+), \w+\)$/.exec(query)?.[1]
    assert.ok(selector !== undefined, query)
    return selector
  })
  const expressions = [...dashboardExprs, ...selectors]
  const directory = mkdtempSync(join(tmpdir(), 'onekey-dashboard-'))
  try {
    // Recording rules are the promtool input that takes arbitrary expressions.
    const asRules = {
      groups: [
        {
          name: 'dashboard',
          rules: expressions.map((expr, index) => ({
            record: `dashboard:expression_${index}`,
            expr: withVariablesFilled(expr),
          })),
        },
      ],
    }
    const path = join(directory, 'dashboard-rules.yml')
    writeFileSync(path, stringifyYaml(asRules))
    assert.match(
      runPromtool('check', 'rules', path),
      new RegExp(`SUCCESS: ${expressions.length} rules found`),
    )
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
})

test('every metric the dashboard and the alert rules use is on a real gateway /metrics, whose text promtool lints', async (t) => {
  let upstream: FakeUpstream | undefined
  let gateway: TestGateway | undefined
  t.after(async () => {
    await gateway?.close()
    await upstream?.close()
  })
  upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok', 'm') })
  gateway = await startTestGateway({
    providers: [fakeProvider('fake', upstream.baseUrl)],
    models: [{ id: 'm', offers: [{ lane: 'cheap', provider: 'fake', price: { input: '1', output: '1' } }] }],
  })
  // A failed attempt then an answer (upstream errors, a retry); then a stream (time to first byte).
  upstream.script({ kind: 'json', status: 500, body: { error: { message: 'down' } } })
  const answered = await gateway.post('/v1/chat/completions', {
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
  })
  assert.equal(answered.status, 200)
  upstream.script({
    kind: 'stream',
    chunks: [
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'stop' }] })}\n\n`,
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 8, completion_tokens: 1, total_tokens: 9 } })}\n\n`,
      'data: [DONE]\n\n',
    ],
  })
  const streamed = await gateway.post('/v1/chat/completions', {
    model: 'm',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'hi' }],
  })
  assert.equal(streamed.status, 200)
  await streamed.text()
  await gateway.gateway.requestLogs.flush()
  await gateway.gateway.billing.flushSettlements()

  const scrape = await fetch(`${gateway.url}/metrics`)
  const text = await scrape.text()
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!]))
  const exposed = (name: string): boolean => {
    if (types.has(name)) return true
    const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1]
    return base !== undefined && types.get(base) === 'histogram'
  }
  const used = new Map<string, string>()
  for (const rule of rules) for (const name of metricNames(rule.expr)) used.set(name, `alert ${rule.alert}`)
  for (const panel of panels)
    for (const target of panel.targets ?? [])
      for (const name of metricNames(target.expr)) used.set(name, `panel "${panel.title}"`)
  for (const query of variableQueries)
    for (const name of metricNames(query)) used.set(name, `variable ${query}`)
  assert.ok(used.size >= 30, `${used.size} metrics used`)
  for (const [name, where] of used) assert.ok(exposed(name), `${name} (${where}) is not on /metrics`)

  // The requests above left samples on the main series the panels draw.
  for (const series of [
    /^onekey_requests_total\{path="[^"]+",lane="cheap",provider="fake",status="200"\} 2$/m,
    /^onekey_upstream_errors_total\{provider="fake",code="[a-z_]+"\} 1$/m,
    /^onekey_time_to_first_byte_seconds_count\{lane="cheap"\} 1$/m,
    /^onekey_lane_healthy_offers\{lane="cheap",model="m"\} 1$/m,
    /^onekey_settlement_backlog 0$/m,
    /^onekey_ledger_verify_last_success_timestamp_seconds \d+$/m,
  ])
    assert.match(text, series)

  if (promtool.path === undefined) return
  // Lint: only the one prom-client name promtool frowns on (a gauge ending in _total) is allowed.
  const lint = spawnSync(promtool.path, ['check', 'metrics'], { input: text, encoding: 'utf8' })
  const problems = `${lint.stdout}${lint.stderr}`
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('nodejs_active_resources_total non-counter'))
  assert.deepEqual(problems, [], 'promtool check metrics')
})

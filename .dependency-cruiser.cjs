/**
 * The shape of the source tree, checked by `npm test` (`npm run lint:imports`): no import circle
 * anywhere (type-only imports count), and every folder imports only the folders below it. The
 * layers, lowest first, are explained in ARCHITECTURE.md. Tests may import anything.
 */
const LAYERS = [
  ['errors'],
  ['contracts'],
  ['tokens', 'streaming', 'metrics', 'net'],
  ['config'],
  ['storage'],
  ['logging', 'catalog'],
  ['auth', 'services', 'byok', 'ratelimit'],
  ['billing', 'providers', 'accounts', 'alerts'],
  ['gateway'],
  ['site'],
  ['http'],
  ['server'],
  ['cli'],
]

const layerOf = new Map(LAYERS.flatMap((folders, index) => folders.map((folder) => [folder, index])))
const above = (index) => LAYERS.slice(index + 1).flat()
const beside = (folder, index) => LAYERS[index].filter((other) => other !== folder)

/** Folders of one layer may not import each other, except these (from → to). */
const ALLOWED_BESIDE = new Set(['services→auth', 'byok→services'])

const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'An import circle: move the shared part to the lowest file that owns it.',
    from: { path: '^src/' },
    to: { circular: true },
  },
  {
    name: 'no-unknown-folder',
    severity: 'error',
    comment:
      'A new top-level folder under src/: give it a layer in .dependency-cruiser.cjs and ARCHITECTURE.md.',
    from: { path: `^src/(?!(${[...layerOf.keys()].join('|')})/)[^/]+/` },
    to: {},
  },
]
for (const [folder, index] of layerOf) {
  const upward = above(index)
  const sideways = beside(folder, index).filter((other) => !ALLOWED_BESIDE.has(`${folder}→${other}`))
  const targets = [...upward, ...sideways]
  if (targets.length === 0) continue
  forbidden.push({
    name: `layer-${folder}`,
    severity: 'error',
    comment: `${folder}/ may import only the layers below it (see ARCHITECTURE.md).`,
    from: { path: `^src/${folder}/`, pathNot: '\\.test\\.ts$' },
    to: { path: `^src/(${targets.join('|')})/` },
  })
}

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
}

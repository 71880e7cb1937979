/**
 * The playground's model picker from `GET /api/v1/models` (what the workspace may use, every
 * lane): chat models only, grouped by lane, and whether "compare lanes" can run for the chosen
 * model (only when both `cheap/<model>` and `resale/<model>` are offered).
 *
 * @module
 */

/** An entry of `GET /api/v1/models` (the fields the playground reads). */
export interface ModelEntry {
  id: string
  name?: string
  lane?: string
  modalities?: { input?: readonly string[]; output?: readonly string[] }
}

export interface ModelChoice {
  /** The ID sent as `model`. */
  id: string
  label: string
  lane: string
  /** The catalog model without its lane prefix. */
  base: string
}

export const LANE_ORDER = ['cheap', 'resale', 'byok'] as const

/** `cheap/m` → `m`, `byok/openai/m` → `m`, a plain `m` → `m`. */
export function baseModelId(id: string): string {
  const slash = id.indexOf('/')
  if (slash === -1) return id
  const first = id.slice(0, slash)
  if (first === 'cheap' || first === 'resale') return id.slice(slash + 1)
  if (first === 'byok') {
    const rest = id.slice(slash + 1)
    const end = rest.indexOf('/')
    return end === -1 ? rest : rest.slice(end + 1)
  }
  return id
}

/** The chat models (text out) as picker choices, lane-prefixed IDs first by lane, plain IDs last. */
export function chatModelChoices(models: readonly ModelEntry[]): ModelChoice[] {
  const choices: ModelChoice[] = []
  for (const model of models) {
    if (model.modalities?.output !== undefined && !model.modalities.output.includes('text')) continue
    const lane = model.lane ?? 'cheap'
    const base = baseModelId(model.id)
    const plain = base === model.id
    choices.push({
      id: model.id,
      lane,
      base,
      label: plain ? `${model.id} (workspace default: ${lane})` : model.id,
    })
  }
  // By lane (cheap, resale, byok), then the plain IDs; the API's order within each.
  const rank = (choice: ModelChoice) => {
    if (choice.base === choice.id) return LANE_ORDER.length
    const lane = LANE_ORDER.indexOf(choice.lane as (typeof LANE_ORDER)[number])
    return lane === -1 ? LANE_ORDER.length - 1 : lane
  }
  return choices
    .map((choice, index) => ({ choice, index }))
    .sort((a, b) => rank(a.choice) - rank(b.choice) || a.index - b.index)
    .map(({ choice }) => choice)
}

/** Choices in `<optgroup>`s: one per lane, and the workspace's plain IDs. */
export function groupChoices(choices: readonly ModelChoice[]): { label: string; choices: ModelChoice[] }[] {
  const groups = new Map<string, ModelChoice[]>()
  for (const choice of choices) {
    const label = choice.base === choice.id ? 'Default lane' : `${choice.lane} lane`
    const list = groups.get(label) ?? []
    list.push(choice)
    groups.set(label, list)
  }
  return [...groups].map(([label, list]) => ({ label, choices: list }))
}

/** The two IDs to compare for the chosen model, or null when one of the lanes does not offer it. */
export function compareTargets(
  choices: readonly ModelChoice[],
  selectedId: string,
): { base: string; cheap: string; resale: string } | null {
  const selected = choices.find((choice) => choice.id === selectedId)
  if (selected === undefined) return null
  const cheap = `cheap/${selected.base}`
  const resale = `resale/${selected.base}`
  const ids = new Set(choices.map((choice) => choice.id))
  return ids.has(cheap) && ids.has(resale) ? { base: selected.base, cheap, resale } : null
}

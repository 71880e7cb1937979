/**
 * Types for the two undici modules the transport imports directly. `import … from 'undici'`
 * loads the whole package, fetch and its web layer included, which in turn loads Node's own
 * copy of undici: several MB of code kept in memory for the life of the process, for nothing
 * the gateway uses.
 *
 * @see https://github.com/nodejs/undici/tree/v7.30.2/lib
 */
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici'

  const AgentClass: typeof Agent
  export = AgentClass
}

declare module 'undici/lib/core/errors.js' {
  import type { errors } from 'undici'

  const undiciErrors: typeof errors
  export = undiciErrors
}

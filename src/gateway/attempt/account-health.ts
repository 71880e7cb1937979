/**
 * Per-account circuit breakers. An account is closed (used), open (skipped until its cool-down
 * ends) or half-open (one probe request allowed; success closes it, failure re-opens it with a
 * doubled cool-down; a probe that never reports back frees its slot after a cool-down). Credential rejections (401/403) open at once; other retryable failures
 * open after `failureThreshold` in a row. Client errors (400) say nothing about the account.
 *
 * @module
 * @see https://martinfowler.com/bliki/CircuitBreaker.html
 */

export type FailureKind = 'auth' | 'transient' | 'rate_limited'

type CircuitState = 'closed' | 'open' | 'half_open'

interface Circuit {
  state: CircuitState
  consecutiveFailures: number
  openUntilMs: number
  cooldownMs: number
  probeStartedMs: number
  /** Open because the upstream asked for a pause (429), not because the account failed. */
  paused: boolean
}

/** A circuit opening (until a wall-clock time) or closing: what other instances need to know. */
export type CircuitTransition = { state: 'open'; untilMs: number } | { state: 'closed' }

export interface AccountHealthOptions {
  failureThreshold: number
  cooldownMs: number
  maxCooldownMs: number
  /** Wall-clock milliseconds (shared with other instances, so not a monotonic clock). */
  now?: () => number
  /** Called when this instance opens or closes a circuit (shared-health.ts publishes it). */
  onTransition?: (account: string, transition: CircuitTransition) => void
}

export interface AccountHealthSnapshot {
  account: string
  state: CircuitState
  consecutiveFailures: number
  openUntilMs: number
}

export interface AccountHealth {
  /** Whether a request may go to the account now; a half-open account admits one probe. */
  tryAcquire(account: string): boolean
  recordSuccess(account: string): void
  recordFailure(account: string, kind: FailureKind, retryAfterSeconds?: number): void
  /** Whether the account would be skipped right now (without taking a probe). */
  isAvailable(account: string): boolean
  /**
   * When the pause the upstream asked for (a 429's `Retry-After`) ends, wall-clock ms; undefined
   * when the account is not resting for that reason (usable, or resting after failures).
   */
  pauseEndsAtMs(account: string): number | undefined
  snapshot(): AccountHealthSnapshot[]
  /** Applies a transition another instance made; does not call `onTransition`. */
  applyShared(account: string, transition: CircuitTransition): void
}

export function createAccountHealth(options: AccountHealthOptions): AccountHealth {
  const now = options.now ?? Date.now
  const circuits = new Map<string, Circuit>()

  function circuitOf(account: string): Circuit {
    let circuit = circuits.get(account)
    if (circuit === undefined) {
      circuit = {
        state: 'closed',
        consecutiveFailures: 0,
        openUntilMs: 0,
        cooldownMs: options.cooldownMs,
        probeStartedMs: 0,
        paused: false,
      }
      circuits.set(account, circuit)
    }
    return circuit
  }

  const onTransition = options.onTransition ?? (() => {})

  function open(account: string, circuit: Circuit, cooldownMs: number, paused = false): void {
    circuit.state = 'open'
    circuit.paused = paused
    circuit.openUntilMs = now() + cooldownMs
    onTransition(account, { state: 'open', untilMs: circuit.openUntilMs })
  }

  return {
    tryAcquire(account) {
      const circuit = circuits.get(account)
      if (circuit === undefined || circuit.state === 'closed') return true
      const currentMs = now()
      // A probe that never reported back (its client went away) frees the slot after a cool-down.
      if (
        (circuit.state === 'open' && currentMs >= circuit.openUntilMs) ||
        (circuit.state === 'half_open' && currentMs - circuit.probeStartedMs >= circuit.cooldownMs)
      ) {
        circuit.state = 'half_open'
        circuit.probeStartedMs = currentMs
        return true
      }
      return false
    },
    isAvailable(account) {
      const circuit = circuits.get(account)
      return (
        circuit === undefined ||
        circuit.state === 'closed' ||
        (circuit.state === 'open' && now() >= circuit.openUntilMs)
      )
    },
    pauseEndsAtMs(account) {
      const circuit = circuits.get(account)
      if (circuit === undefined || circuit.state !== 'open' || !circuit.paused) return undefined
      return circuit.openUntilMs > now() ? circuit.openUntilMs : undefined
    },
    recordSuccess(account) {
      const circuit = circuits.get(account)
      if (circuit === undefined) return
      const wasClosed = circuit.state === 'closed'
      circuit.state = 'closed'
      circuit.consecutiveFailures = 0
      circuit.cooldownMs = options.cooldownMs
      if (!wasClosed) onTransition(account, { state: 'closed' })
    },
    recordFailure(account, kind, retryAfterSeconds) {
      const circuit = circuitOf(account)
      circuit.consecutiveFailures++
      if (circuit.state === 'half_open') {
        circuit.cooldownMs = Math.min(circuit.cooldownMs * 2, options.maxCooldownMs)
        open(account, circuit, circuit.cooldownMs)
      } else if (kind === 'auth') {
        open(account, circuit, circuit.cooldownMs)
      } else if (kind === 'rate_limited') {
        // A 429 is the upstream asking for a pause, not a broken account: rest it for as long as asked.
        if (retryAfterSeconds !== undefined && retryAfterSeconds > 0) {
          open(account, circuit, Math.min(retryAfterSeconds * 1000, options.maxCooldownMs), true)
        }
        circuit.consecutiveFailures = 0
      } else if (circuit.consecutiveFailures >= options.failureThreshold) {
        open(account, circuit, circuit.cooldownMs)
      }
    },
    applyShared(account, transition) {
      const circuit = circuitOf(account)
      if (transition.state === 'closed') {
        circuit.state = 'closed'
        circuit.consecutiveFailures = 0
        circuit.cooldownMs = options.cooldownMs
      } else if (transition.untilMs > now() && transition.untilMs > circuit.openUntilMs) {
        circuit.state = 'open'
        // Another instance's reason is not shared: not a pause this instance waits for.
        circuit.paused = false
        circuit.openUntilMs = transition.untilMs
      }
    },
    snapshot() {
      return [...circuits].map(([account, circuit]) => ({
        account,
        state: circuit.state,
        consecutiveFailures: circuit.consecutiveFailures,
        openUntilMs: circuit.openUntilMs,
      }))
    },
  }
}

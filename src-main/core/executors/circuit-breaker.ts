// Per-host circuit breakers of `http` jobs. A host that fails `failures` requests in a row (network
// error, timeout, 5xx) is left alone for `resetAfter`: requests to it fail fast without touching
// the network. Then one trial request is let through (half-open); its success closes the breaker,
// its failure opens it again for another `resetAfter`. No timers: every transition happens when a
// request asks or reports, against the injected clock.
import type { BreakerState } from '../../../src-shared/connection'
import { absoluteTime, clockTime } from '../../../src-shared/local-time'

export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failures: number
  /** How long an open breaker rejects requests before it lets one trial through (ms). */
  resetAfter: number
}

/** A request may go to the host; report how it went with `settle`. */
export interface Permit {
  readonly allowed: true
  readonly host: string
  /** This is the one trial request of a half-open breaker. */
  readonly trial: boolean
}

/** The request must not go to the host. */
export interface Rejection {
  readonly allowed: false
  readonly host: string
  readonly state: 'open' | 'half-open'
  readonly failures: number
  /** When the breaker opened (clock ms). */
  readonly openedAt: number
  /** When a trial request will be let through; null while a trial is in progress. */
  readonly retryAt: number | null
  /** One line for the run's error, e.g. `circuit breaker for api.example.com is open since …`. */
  readonly message: string
}

/** How a permitted request went: `abandoned` when it ended without a verdict (canceled). */
export type Verdict = 'success' | 'failure' | 'abandoned'

interface Entry {
  /** `half-open` means: the trial request is in progress. */
  state: 'closed' | 'open' | 'half-open'
  failures: number
  openedAt: number | null
  resetAfter: number
}

/** Beyond this many hosts, healthy ones are forgotten (hosts may come from params). */
const MAX_HOSTS = 500

/** The breaker key of a URL: its host, with the port when one is given. */
export function breakerHost(url: string): string {
  return new URL(url).host
}

export class CircuitBreakers {
  private readonly hosts = new Map<string, Entry>()
  private readonly now: () => number

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now
  }

  /**
   * Asks to send one request to `host`. An open breaker whose `resetAfter` has passed turns
   * half-open and grants the trial; the caller must `settle` every permit it gets.
   */
  admit(host: string): Permit | Rejection {
    const entry = this.hosts.get(host)
    if (entry === undefined) {
      this.remember(host, { state: 'closed', failures: 0, openedAt: null, resetAfter: 0 })
      return { allowed: true, host, trial: false }
    }
    const rejection = this.check(host)
    if (rejection !== null) return rejection
    if (entry.state === 'open') {
      entry.state = 'half-open'
      return { allowed: true, host, trial: true }
    }
    return { allowed: true, host, trial: false }
  }

  /** Whether a request to `host` would be rejected right now, without changing anything. */
  check(host: string): Rejection | null {
    const entry = this.hosts.get(host)
    if (entry === undefined || entry.state === 'closed' || entry.openedAt === null) return null
    const now = this.now()
    if (entry.state === 'half-open') {
      return {
        allowed: false,
        host,
        state: 'half-open',
        failures: entry.failures,
        openedAt: entry.openedAt,
        retryAt: null,
        message:
          `circuit breaker for ${host} is half-open: a trial request is in progress ` +
          `(open since ${clockTimeNear(entry.openedAt, now)} after ${failuresText(entry.failures)})`,
      }
    }
    const retryAt = entry.openedAt + entry.resetAfter
    if (now >= retryAt) return null
    return {
      allowed: false,
      host,
      state: 'open',
      failures: entry.failures,
      openedAt: entry.openedAt,
      retryAt,
      message:
        `circuit breaker for ${host} is open since ${clockTimeNear(entry.openedAt, now)} ` +
        `(${failuresText(entry.failures)}); next try after ${clockTimeNear(retryAt, now)}`,
    }
  }

  /** Reports how a permitted request went; `settings` are the job's (they decide when it opens). */
  settle(permit: Permit, verdict: Verdict, settings: BreakerSettings): void {
    const entry = this.hosts.get(permit.host)
    if (entry === undefined) return
    if (verdict === 'success') {
      // Any answer from the host proves it is back, trial or not.
      entry.state = 'closed'
      entry.failures = 0
      entry.openedAt = null
      return
    }
    if (verdict === 'abandoned') {
      // A canceled trial gave no verdict: the next request is the trial (openedAt stays, so it is due).
      if (permit.trial && entry.state === 'half-open') entry.state = 'open'
      return
    }
    entry.failures += 1
    if (permit.trial || (entry.state === 'closed' && entry.failures >= settings.failures)) {
      entry.state = 'open'
      entry.openedAt = this.now()
      entry.resetAfter = settings.resetAfter
    }
    // A late failure of a request sent before the breaker opened only adds to the count.
  }

  /**
   * Every host seen, by name. An open breaker whose wait is over shows as `half-open`: the next
   * request is the trial.
   */
  states(): BreakerState[] {
    const now = this.now()
    return [...this.hosts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([host, entry]) => ({
        host,
        state:
          entry.state === 'open' && entry.openedAt !== null && now >= entry.openedAt + entry.resetAfter
            ? 'half-open'
            : entry.state,
        failures: entry.failures,
        openedAt: entry.openedAt === null ? null : new Date(entry.openedAt).toISOString(),
      }))
  }

  private remember(host: string, entry: Entry): void {
    if (this.hosts.size >= MAX_HOSTS) {
      for (const [known, old] of this.hosts) {
        if (old.state === 'closed' && old.failures === 0) this.hosts.delete(known)
      }
    }
    this.hosts.set(host, entry)
  }
}

function failuresText(count: number): string {
  return count === 1 ? '1 failure' : `${count} failures in a row`
}

/** `10:42:01` local time; with the date when `ms` is not on the same day as `now`. */
export function clockTimeNear(ms: number, now: number): string {
  return new Date(now).toDateString() === new Date(ms).toDateString() ? clockTime(ms) : absoluteTime(ms)
}

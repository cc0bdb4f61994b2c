// Adaptive concurrency (`runner.concurrency: {min, max, cpu, freeMemory}`): the runner's effective
// global limit, stepped one at a time between min and max by the host samples the monitor feeds.
// Pure but for its state: it reads the clock only from the samples, so tests script it exactly.
import type { RunnerConcurrency } from '../../../src-shared/config-schema'
import type { ConcurrencyChange, HostSample } from '../../../src-shared/monitor'
import { formatBytes } from '../../../src-shared/units'

export interface AdaptiveSettings {
  concurrency: RunnerConcurrency
  /** `monitor.hysteresis.samples`: how long a pressure must last before a step. */
  samples: number
}

interface Pressure {
  way: 'down' | 'up'
  reason: string
}

/**
 * Steps DOWN one when CPU stays over `high`, or free memory under the floor; UP one when CPU
 * stays under `low` with memory above the floor; "stays" is `samples` samples in a row, as health
 * levels are entered. Never under `min` nor over `max`; it starts at `max`, as a plain number
 * would run. Lowering the limit only stops new claims: running jobs are never killed.
 *
 * Hold-off after a step, so that each step is judged on the load that follows it:
 * - the count starts over: the next step needs `samples` new samples, all taken after this one;
 * - a step down also waits while more runs are running than the limit allows: they are not
 *   stopped, so the load that made the last step has not fallen yet, and stepping again on it
 *   would drive the limit to `min` for one busy spell.
 */
export class AdaptiveConcurrency {
  /** The effective limit, or null while at `max` (fixed, or never stepped). */
  private current: number | null = null
  private reasonText: string | null = null
  private streak = 0
  private way: Pressure['way'] | null = null

  constructor(private readonly settings: () => AdaptiveSettings) {}

  /** The effective limit now, within the configured range (which a config reload may have moved). */
  limit(): number {
    const { min, max, adaptive } = this.settings().concurrency
    if (adaptive === null || this.current === null) return max
    return Math.min(max, Math.max(min, this.current))
  }

  /** Why the limit is under `max` ("CPU 85% over 80%"), or null at `max`. */
  reason(): string | null {
    const { max } = this.settings().concurrency
    return this.limit() < max ? this.reasonText : null
  }

  /** Feeds one host sample; `running`: the runs running now. Returns the step it made, if any. */
  observe(sample: HostSample, running: number): ConcurrencyChange | null {
    const { concurrency, samples } = this.settings()
    const { min, max, adaptive } = concurrency
    if (adaptive === null) {
      this.current = null
      this.reset()
      return null
    }
    const from = this.limit()
    const pressure = pressureOf(sample, adaptive)
    const blocked =
      pressure === null ||
      (pressure.way === 'down' && (from <= min || running > from)) ||
      (pressure.way === 'up' && from >= max)
    if (blocked) {
      this.reset()
      return null
    }
    this.streak = this.way === pressure.way ? this.streak + 1 : 1
    this.way = pressure.way
    if (this.streak < samples) return null
    this.reset()
    const to = pressure.way === 'down' ? from - 1 : from + 1
    this.current = to
    this.reasonText = pressure.reason
    return { at: new Date(sample.at).toISOString(), from, to, max, reason: pressure.reason }
  }

  private reset(): void {
    this.streak = 0
    this.way = null
  }
}

function pressureOf(sample: HostSample, adaptive: NonNullable<RunnerConcurrency['adaptive']>): Pressure | null {
  const cpu = Math.round(sample.cpuPercent)
  const free = sample.memory.availableBytes
  const floor = adaptive.freeMemoryBytes
  if (sample.cpuPercent > adaptive.cpuHigh) return { way: 'down', reason: `CPU ${cpu}% over ${adaptive.cpuHigh}%` }
  if (floor !== null && free < floor) return { way: 'down', reason: `free memory ${formatBytes(free)} under ${formatBytes(floor)}` }
  if (sample.cpuPercent < adaptive.cpuLow) return { way: 'up', reason: `CPU ${cpu}% under ${adaptive.cpuLow}%` }
  return null
}

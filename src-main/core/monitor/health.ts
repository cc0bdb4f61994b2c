import type { MonitorConfig } from '../../../src-shared/config-schema'
import type { Health, HealthLevel, HealthMetric, HostSample } from '../../../src-shared/monitor'

const RANK: Record<HealthLevel, number> = { healthy: 0, warning: 1, critical: 2 }
const LEVELS: HealthLevel[] = ['healthy', 'warning', 'critical']

type Metric = HealthMetric

interface MetricState {
  level: HealthLevel
  /** Consecutive samples arguing for a move one way (up, or down). */
  streak: number
  /** Where the streak leads: the smallest move every one of its samples argues for. */
  pending: HealthLevel | null
  reason: string
}

function levelOf(value: number, t: { warning: number; critical: number }): HealthLevel {
  return value >= t.critical ? 'critical' : value >= t.warning ? 'warning' : 'healthy'
}

function readings(sample: HostSample): Array<{ metric: Metric; value: number; what: string }> {
  const out: Array<{ metric: Metric; value: number; what: string }> = [
    { metric: 'cpu', value: sample.cpuPercent, what: `CPU ${Math.round(sample.cpuPercent)}% busy` },
    { metric: 'memory', value: sample.memory.usedPercent, what: `memory ${Math.round(sample.memory.usedPercent)}% used` },
  ]
  const fullest = [...sample.disks].sort((a, b) => b.usedPercent - a.usedPercent)[0]
  if (fullest) {
    out.push({ metric: 'disk', value: fullest.usedPercent, what: `disk ${Math.round(fullest.usedPercent)}% used at ${fullest.mount ?? fullest.path}` })
  }
  return out
}

/**
 * Health from samples, with hysteresis so it does not flap: a metric moves up a level after
 * `samples` consecutive samples at or over that level's threshold, and down only after as many
 * consecutive samples under the threshold of the level it is in less `margin` (the gate's
 * "critical until memory is under 90% for 3 samples in a row" says exactly this). A streak that
 * reaches different levels on the way moves by the least of them.
 */
export class HealthEvaluator {
  private readonly metrics = new Map<Metric, MetricState>()
  private current: Health
  private lastKey = ''

  constructor(
    private readonly config: () => MonitorConfig,
    now = Date.now(),
  ) {
    this.current = { level: 'healthy', reasons: [], since: new Date(now).toISOString(), critical: [] }
  }

  get health(): Health {
    return this.current
  }

  /** Feeds one sample; returns the new health when it changed (level or reasons), else null. */
  update(sample: HostSample): Health | null {
    const { thresholds, hysteresis } = this.config()
    for (const { metric, value, what } of readings(sample)) {
      const t = thresholds[metric]
      const state = this.metrics.get(metric) ?? { level: 'healthy', streak: 0, pending: null, reason: '' }
      const raw = levelOf(value, t)
      // Going down needs the value to clear the threshold by the margin.
      const lowered = levelOf(value + hysteresis.margin, t)
      const target: HealthLevel | null =
        RANK[raw] > RANK[state.level] ? raw : RANK[lowered] < RANK[state.level] ? lowered : null
      if (target === null) {
        state.pending = null
        state.streak = 0
      } else {
        const up = RANK[target] > RANK[state.level]
        const pending = state.pending
        if (pending !== null && (RANK[pending] > RANK[state.level]) === up) {
          state.streak += 1
          const nearer = up ? RANK[target] < RANK[pending] : RANK[target] > RANK[pending]
          state.pending = nearer ? target : pending
        } else {
          state.streak = 1
          state.pending = target
        }
        if (state.streak >= hysteresis.samples) {
          state.level = state.pending
          state.pending = null
          state.streak = 0
        }
      }
      const limit = state.level === 'critical' ? `critical at ${t.critical}%` : `warning at ${t.warning}%`
      state.reason = state.level === 'healthy' ? '' : `${what} (${limit})`
      this.metrics.set(metric, state)
    }
    const states = [...this.metrics.values()]
    const level = LEVELS[Math.max(0, ...states.map((s) => RANK[s.level]))] as HealthLevel
    const reasons = states.filter((s) => s.level !== 'healthy').map((s) => s.reason)
    const critical = [...this.metrics].filter(([, s]) => s.level === 'critical').map(([metric, s]) => ({ metric, reason: s.reason }))
    // A change is a metric changing level, not its figure moving within one.
    const key = [...this.metrics].map(([metric, s]) => `${metric}:${s.level}`).join(',')
    const changed = key !== this.lastKey
    this.lastKey = key
    const since = level !== this.current.level ? new Date(sample.at).toISOString() : this.current.since
    this.current = { level, reasons, since, critical }
    return changed ? this.current : null
  }
}

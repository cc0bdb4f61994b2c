// The runner and the host as the services see them, from this process or from what another
// process recorded: whether a runner is alive, the shared runners' heartbeats, the latest host
// sample and health, and what decides why a job waits (runner.status, jobs.get, monitor.latest).
import { laneLimit } from '../config/job-command'
import { gateReason } from '../monitor/gate'
import { isAlive } from '../process/process-tree'
import type { WaitContext } from '../runner/wait-reasons'
import type { HostHealthSummary, Run, RunnerStatus } from '../../../src-shared/domain'
import type { Health, HostSample } from '../../../src-shared/monitor'
import type { GateBlock } from '../../../src-shared/wait-reason'
import { LOCAL_DATABASE, type DatabaseState } from '../../../src-shared/connection'
import type { ServiceDeps } from './service-deps'

export interface HostState {
  sample: HostSample | null
  health: Health
}

export type ConcurrencyLimits = Pick<RunnerStatus['limits'], 'concurrency' | 'maxConcurrency' | 'minConcurrency' | 'adaptive' | 'concurrencyReason'>

export interface RunnerView {
  connection(): DatabaseState
  /** Shared mode: the runners whose heartbeat the last sync saw. */
  sharedRunners(): RunnerStatus['runners']
  runnerAlive(): boolean
  /** From the local monitor, or as the runner process last recorded them. */
  hostState(): HostState
  gateReasons(sample: HostSample | null, health: Health): Record<string, GateBlock>
  /** What decides why a job waits now (wait-reasons.ts), as runner.status and jobs.get see it. */
  waitContext(running: Run[], known?: { paused?: boolean; alive?: boolean; host?: HostState }): WaitContext
  healthSummary(sample: HostSample | null, health: Health): HostHealthSummary | null
  /** The runner's concurrency limits: the effective one (adaptive concurrency) and the configured range. */
  concurrencyLimits(): ConcurrencyLimits
}

export function runnerView(deps: ServiceDeps): RunnerView {
  const { store, config, link } = deps
  const now = deps.now ?? Date.now

  function sharedRunners(): RunnerStatus['runners'] {
    if (!link) return []
    const text = store.metaValue('pg_runners')
    if (!text) return []
    try {
      const rows = JSON.parse(text) as Array<{ id: string; host: string; pid: number; heartbeat_at: number; running: number }>
      return rows.map((r) => ({ id: r.id, host: r.host, pid: r.pid, heartbeatAt: new Date(r.heartbeat_at).toISOString(), running: r.running }))
    } catch {
      return []
    }
  }

  function runnerAlive(): boolean {
    const local = deps.runner()
    if (local) return local.state() !== 'stopped'
    if (link) return sharedRunners().some((r) => now() - Date.parse(r.heartbeatAt) < (deps.lockStaleMs ?? 15_000) * 2)
    const lock = store.lockInfo()
    if (!lock) return false
    const fresh = now() - lock.heartbeatAt < (deps.lockStaleMs ?? 15_000)
    return fresh && isAlive(lock.pid)
  }

  function hostState(): HostState {
    const local = deps.monitor()
    if (local) return { sample: local.latest(), health: local.health() }
    const health = deps.monitorStore.savedHealth() ?? { level: 'healthy' as const, reasons: [], since: new Date(now()).toISOString() }
    return { sample: deps.monitorStore.latestSample(), health }
  }

  /**
   * The effective limit: this process's runner's own; else, while another process's runner is
   * alive, its last step recorded since it started (it starts at max); else max.
   */
  function concurrencyLimits(): ConcurrencyLimits {
    const { min, max, adaptive } = config.current.raw.runner.concurrency
    const limits = { maxConcurrency: max, minConcurrency: min, adaptive: adaptive !== null }
    if (adaptive === null) return { ...limits, concurrency: max, concurrencyReason: null }
    const local = deps.monitor()?.concurrency()
    if (local) return { ...limits, concurrency: local.limit, concurrencyReason: local.reason }
    const last = deps.monitorStore.lastConcurrencyChange()
    const lock = store.lockInfo()
    if (!last || !lock || Date.parse(last.at) < lock.startedAt || !runnerAlive()) return { ...limits, concurrency: max, concurrencyReason: null }
    const concurrency = Math.min(max, Math.max(min, last.to))
    return { ...limits, concurrency, concurrencyReason: concurrency < max ? last.reason : null }
  }

  function gateReasons(sample: HostSample | null, health: Health): Record<string, GateBlock> {
    const reasons: Record<string, GateBlock> = {}
    for (const [name, type] of config.current.types) {
      const reason = gateReason(type, sample, health, config.current.raw.monitor)
      if (reason) reasons[name] = reason
    }
    return reasons
  }

  return {
    connection: () => link?.state ?? LOCAL_DATABASE,
    concurrencyLimits,
    sharedRunners,
    runnerAlive,
    hostState,
    gateReasons,
    waitContext(running, known = {}) {
      const current = config.current
      const host = known.host ?? hostState()
      const gated = gateReasons(host.sample, host.health)
      const limits = concurrencyLimits()
      return {
        now: now(),
        paused: known.paused ?? store.isPaused(),
        runnerAlive: known.alive ?? runnerAlive(),
        shared: link !== null,
        concurrency: limits.concurrency,
        maxConcurrency: limits.maxConcurrency,
        concurrencyReason: limits.concurrencyReason,
        laneLimit: (lane) => laneLimit(current, lane),
        knownType: (type) => current.types.has(type),
        running,
        gate: (type) => gated[type] ?? null,
      }
    },
    healthSummary(sample, health) {
      if (!sample) return null
      return {
        level: health.level,
        reasons: health.reasons,
        sampledAt: new Date(sample.at).toISOString(),
        cpu: sample.cpuPercent,
        memory: { usedPercent: sample.memory.usedPercent, availableBytes: sample.memory.availableBytes, totalBytes: sample.memory.totalBytes },
        disk: sample.disks.map((d) => ({ path: d.path, usedPercent: d.usedPercent, freeBytes: d.freeBytes })),
      }
    },
  }
}

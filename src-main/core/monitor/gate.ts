// The resource gate: whether a job type may start now given the latest host sample and health.
// Memory and disk at the critical level hold every job; busy CPU alone never does (it holds jobs
// only through a type's `needs.maxCpu` or adaptive concurrency): on a box whose other processes
// peg the CPU, the whole queue stalled with nothing to say it would pass.
import type { JobTypeConfig, MonitorConfig } from '../../../src-shared/config-schema'
import type { Health, HealthMetric, HostSample } from '../../../src-shared/monitor'
import type { GateBlock } from '../../../src-shared/wait-reason'

type HeldMetric = Exclude<HealthMetric, 'cpu'>
type CriticalHold = Extract<GateBlock, { kind: 'health-critical' }>

const holds = (entry: { metric: HealthMetric; reason: string }): entry is { metric: HeldMetric; reason: string } => entry.metric !== 'cpu'

/**
 * The hold of critical memory or disk, with what clears it: health.ts leaves the critical level
 * after `hysteresis.samples` samples in a row under the critical threshold less the margin.
 */
export function criticalHold(health: Health, monitor: MonitorConfig): CriticalHold | null {
  const held = (health.critical ?? []).filter(holds)
  if (held.length === 0) return null
  const { samples, margin } = monitor.hysteresis
  return {
    kind: 'health-critical',
    reasons: held.map((h) => h.reason),
    clears: { samples, below: held.map((h) => ({ metric: h.metric, percent: monitor.thresholds[h.metric].critical - margin })) },
  }
}

/**
 * Why a job of this type may not start now, or null when it may. A type that declares needs
 * waits for the first sample: until then nothing says they are met.
 */
export function gateReason(type: JobTypeConfig, sample: HostSample | null, health: Health, monitor: MonitorConfig): GateBlock | null {
  const hold = criticalHold(health, monitor)
  if (hold) return hold
  if (!type.needs) return null
  if (!sample) return { kind: 'first-sample' }
  const { freeMemory, freeDisk, maxCpu } = type.needs
  if (freeMemory !== undefined && sample.memory.availableBytes < freeMemory) {
    return { kind: 'memory', freeBytes: sample.memory.availableBytes, needsBytes: freeMemory }
  }
  if (maxCpu !== undefined && sample.cpuPercent > maxCpu) {
    return { kind: 'cpu', busyPercent: sample.cpuPercent, belowPercent: maxCpu }
  }
  if (freeDisk !== undefined) {
    const cwd = type.cwd
    const disk = sample.disks.find((d) => (cwd ? d.paths.includes(cwd) : false)) ?? sample.disks[0]
    if (disk && disk.freeBytes < freeDisk) {
      return { kind: 'disk', freeBytes: disk.freeBytes, at: disk.mount ?? disk.path, needsBytes: freeDisk }
    }
  }
  return null
}

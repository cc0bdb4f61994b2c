import type { JobTypeConfig } from '../../../src-shared/config-schema'
import type { Health, HostSample } from '../../../src-shared/monitor'
import type { GateBlock } from '../../../src-shared/wait-reason'

/**
 * Why a job of this type may not start now, or null when it may. A type that declares needs
 * waits for the first sample: until then nothing says they are met.
 */
export function gateReason(type: JobTypeConfig, sample: HostSample | null, health: Health): GateBlock | null {
  if (health.level === 'critical') return { kind: 'health-critical', reasons: health.reasons, clears: { samples: 0, below: [] } }
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

import type { JobTypeConfig } from '../../../src-shared/config-schema'
import type { Health, HostSample } from '../../../src-shared/monitor'
import { formatBytes } from '../../../src-shared/units'

/**
 * Why a job of this type may not start now, or null when it may. A type that declares needs
 * waits for the first sample: until then nothing says they are met.
 */
export function gateReason(type: JobTypeConfig, sample: HostSample | null, health: Health): string | null {
  if (health.level === 'critical') return `waiting: host health is critical (${health.reasons.join('; ')})`
  if (!type.needs) return null
  if (!sample) return 'waiting for the first resource sample'
  const { freeMemory, freeDisk, maxCpu } = type.needs
  if (freeMemory !== undefined && sample.memory.availableBytes < freeMemory) {
    return `waiting for memory: ${formatBytes(sample.memory.availableBytes)} free, needs ${formatBytes(freeMemory)}`
  }
  if (maxCpu !== undefined && sample.cpuPercent > maxCpu) {
    return `waiting for CPU: ${Math.round(sample.cpuPercent)}% busy, needs below ${maxCpu}%`
  }
  if (freeDisk !== undefined) {
    const cwd = type.cwd
    const disk = sample.disks.find((d) => (cwd ? d.paths.includes(cwd) : false)) ?? sample.disks[0]
    if (disk && disk.freeBytes < freeDisk) {
      return `waiting for disk: ${formatBytes(disk.freeBytes)} free at ${disk.mount ?? disk.path}, needs ${formatBytes(freeDisk)}`
    }
  }
  return null
}

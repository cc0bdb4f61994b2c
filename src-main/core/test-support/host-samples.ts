// Host samples made to order, for tests of the health, the gate and the monitor.
import type { HostSample } from '../../../src-shared/monitor'

const GiB = 1024 ** 3

export function fakeSample(overrides: { at?: number; cpu?: number; memUsedPercent?: number; diskUsedPercent?: number; availableBytes?: number; path?: string } = {}): HostSample {
  const total = 16 * GiB
  const usedPercent = overrides.memUsedPercent ?? 40
  const available = overrides.availableBytes ?? Math.round(total * (1 - usedPercent / 100))
  const diskTotal = 500 * GiB
  const diskUsed = Math.round((diskTotal * (overrides.diskUsedPercent ?? 50)) / 100)
  const path = overrides.path ?? '/data'
  return {
    at: overrides.at ?? Date.now(),
    cpuPercent: overrides.cpu ?? 20,
    cpuPerCore: [overrides.cpu ?? 20, overrides.cpu ?? 20],
    load: [0.5, 0.5, 0.5],
    memory: { totalBytes: total, availableBytes: available, usedBytes: total - available, usedPercent: ((total - available) / total) * 100 },
    swap: { totalBytes: 0, usedBytes: 0 },
    disks: [{ path, paths: [path], mount: '/', totalBytes: diskTotal, freeBytes: diskTotal - diskUsed, usedBytes: diskUsed, usedPercent: overrides.diskUsedPercent ?? 50 }],
  }
}

/** A host sampler that returns whatever the test sets, as the real one would on its schedule. */
export class ScriptedSampler {
  next: Parameters<typeof fakeSample>[0] = {}
  async sample(): Promise<HostSample> {
    return fakeSample({ ...this.next, at: Date.now() })
  }
}

// Host samples made to order, for tests of the health, the gate, the monitor and adaptive
// concurrency: a core opened on a ScriptedSampler sees the host the test sets.
import type { HostSample } from '../../../src-shared/monitor'
import type { Core, CoreOptions } from '../core'
import type { TestEnv } from './test-env'

const GiB = 1024 ** 3

export type SampleOverrides = { at?: number; cpu?: number; memUsedPercent?: number; diskUsedPercent?: number; availableBytes?: number; path?: string }

export function fakeSample(overrides: SampleOverrides = {}): HostSample {
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
  constructor(public next: SampleOverrides = {}) {}
  async sample(): Promise<HostSample> {
    return fakeSample({ ...this.next, at: Date.now() })
  }
}

/** `env` opened on a host the test scripts, sampled as `first` until the test sets `sampler.next`. */
export function openOnScriptedHost(env: TestEnv, first: SampleOverrides = {}, options: Partial<CoreOptions> = {}): { core: Core; sampler: ScriptedSampler } {
  const sampler = new ScriptedSampler(first)
  return { core: env.open({ hostSampler: sampler, ...options }), sampler }
}

/**
 * Adaptive concurrency between 1 and 3, a step down over 80% CPU and up under 50%, two samples
 * 50 ms apart to a step; `nap` sleeps `ms` on lane `lane`, so runs on different lanes overlap.
 */
export const ADAPTIVE_CONFIG = `
runner:
  concurrency: { min: 1, max: 3, cpu: { high: 80, low: 50 } }
monitor:
  interval: 50ms
  hysteresis: { samples: 2, margin: 5 }
jobs:
  nap:
    command: [node, scripts/sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 100 }
      lane: { type: string, default: a }
    lane: "{lane}"
`

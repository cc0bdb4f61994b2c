// What the monitor measures and concludes, as every side sees it.

export interface DiskUsage {
  /** The first watched path on this filesystem (the data dir or a job type's working dir). */
  path: string
  /** Every watched path on this filesystem. */
  paths: string[]
  /** Topmost ancestor of `path` on the same filesystem (normally its mount point); null if unknown. */
  mount: string | null
  totalBytes: number
  /** Available to unprivileged users (statfs bavail), which is what a job can write. */
  freeBytes: number
  usedBytes: number
  /** As `df` reports it: used / (used + free), so root-reserved blocks do not count as free. */
  usedPercent: number
}

export interface HostSample {
  /** Epoch ms. */
  at: number
  /** Whole machine, 0..100 (average over cores) since the previous sample. */
  cpuPercent: number
  cpuPerCore: number[]
  load: [number, number, number] | null
  memory: { totalBytes: number; availableBytes: number; usedBytes: number; usedPercent: number }
  swap: { totalBytes: number; usedBytes: number } | null
  disks: DiskUsage[]
}

/** Per-minute aggregate of host samples. */
export interface HostMinute {
  minute: number
  samples: number
  cpu: { min: number; avg: number; max: number }
  memory: { min: number; avg: number; max: number }
  diskMax: number | null
}

export const HEALTH_LEVELS = ['healthy', 'warning', 'critical'] as const
export type HealthLevel = (typeof HEALTH_LEVELS)[number]

export type HealthMetric = 'cpu' | 'memory' | 'disk'

export interface Health {
  level: HealthLevel
  /** Why the level is not healthy, e.g. `memory 96% used (critical at 95%)`. */
  reasons: string[]
  /** When the level last changed (ISO-8601). */
  since: string
  /**
   * The metrics at the critical level, each with its reason (one of `reasons`): the resource gate
   * holds jobs for memory and disk, not CPU. Absent from a health recorded before issue 16.
   */
  critical?: Array<{ metric: HealthMetric; reason: string }>
}

export interface RunUsagePoint {
  at: number
  cpuPercent: number
  rssBytes: number
}

export interface RunUsage {
  runId: string
  points: RunUsagePoint[]
  peakRssBytes: number | null
  cpuSeconds: number | null
}

/** The runner's effective concurrency stepped (adaptive concurrency), and why. */
export interface ConcurrencyChange {
  at: string
  from: number
  to: number
  max: number
  /** In words: "CPU 85% over 80%", "free memory 1.2 GB under 2 GB", "CPU 30% under 50%". */
  reason: string
}

// Host CPU, memory, swap and disk usage, cheap enough to sample every second.
//
// Mechanisms:
// - Linux: CPU from /proc/stat and memory/swap from /proc/meminfo, both read asynchronously.
//   /proc/stat is what os.cpus() parses too, but os.cpus() reads it (plus /proc/cpuinfo and one
//   cpufreq file per core) synchronously, which grows with the core count.
// - macOS: os.cpus() deltas, os.loadavg(); memory from os.totalmem() and, because os.freemem()
//   counts only free pages (macOS keeps most idle memory as cache), the kernel's
//   kern.memorystatus_level (percent of memory available); swap from vm.swapusage. Both come from
//   one async `sysctl` refreshed at most every 5 s in the background, never per sample.
// - Windows: os.cpus() deltas, os.totalmem()/os.freemem() (GlobalMemoryStatusEx's available
//   physical memory), no load average, swap null (nothing cheap reports it without WMI).
// - Disks everywhere: fs.promises.statfs once per distinct filesystem (fs.stat().dev) among the
//   watched paths; the path → filesystem mapping is cached and rebuilt when the path list changes.
import { execFile } from 'node:child_process'
import { readFile, realpath, stat, statfs } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { DiskUsage, HostSample } from '../../../src-shared/monitor'

// The sample's shape is shared with the renderer; see src-shared/monitor.ts for each field.
export type { DiskUsage, HostSample } from '../../../src-shared/monitor'

export interface HostSamplerOptions {
  /** The data dir and every job type's cwd; read on each sample, so it may change on config reload. */
  paths: () => string[]
}

const isLinux = process.platform === 'linux'
const isMac = process.platform === 'darwin'
const isWindows = process.platform === 'win32'

/** Rebuild the path → filesystem mapping this often even when the list is unchanged (mounts move). */
const MAPPING_TTL_MS = 30_000
/** …and this often while a watched path is missing, so one created later shows up soon. */
const MISSING_RETRY_MS = 5_000
const MAC_SYSCTL_EVERY_MS = 5_000

// --- CPU -----------------------------------------------------------------------------------------

interface CpuCounters {
  busy: number
  total: number
}

interface CpuReading {
  all: CpuCounters
  /** Keyed by core id (`cpu3` on Linux, index elsewhere); cores may go offline. */
  cores: Map<string, CpuCounters>
}

/**
 * Parses /proc/stat's `cpu` lines: user nice system idle iowait irq softirq steal [guest guest_nice].
 * Guest time is already inside user/nice. iowait counts as idle: the CPU was free to run something.
 */
export function parseProcStatCpu(text: string): CpuReading | null {
  let all: CpuCounters | null = null
  const cores = new Map<string, CpuCounters>()
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue
    const parts = line.trim().split(/\s+/)
    const name = parts[0] as string
    const n = parts.slice(1, 9).map(Number)
    if (n.length < 4 || n.some((value) => !Number.isFinite(value))) continue
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = n
    const busy = user + nice + system + irq + softirq + steal
    const counters = { busy, total: busy + idle + iowait }
    if (name === 'cpu') all = counters
    else cores.set(name, counters)
  }
  return all ? { all, cores } : null
}

function readOsCpus(): CpuReading {
  const cores = new Map<string, CpuCounters>()
  const all = { busy: 0, total: 0 }
  os.cpus().forEach((cpu, index) => {
    const { user, nice, sys, idle, irq } = cpu.times
    const busy = user + nice + sys + irq
    cores.set(String(index), { busy, total: busy + idle })
    all.busy += busy
    all.total += busy + idle
  })
  return { all, cores }
}

async function readCpu(): Promise<CpuReading> {
  if (isLinux) {
    try {
      const reading = parseProcStatCpu(await readFile('/proc/stat', 'latin1'))
      if (reading) return reading
    } catch {
      // /proc not mounted (some sandboxes): os.cpus() reads the same counters.
    }
  }
  return readOsCpus()
}

class CpuTracker {
  private readonly baseline = new Map<string, CpuCounters>()
  private readonly last = new Map<string, number>()

  /** Percent busy since the previous call for `key` (since boot on the first call). */
  percent(key: string, now: CpuCounters): number {
    const before = this.baseline.get(key)
    const busy = now.busy - (before?.busy ?? 0)
    const total = now.total - (before?.total ?? 0)
    if (total < 0) {
      // Counters went back (a core was re-onlined): start over from here.
      this.baseline.set(key, now)
      return this.last.get(key) ?? 0
    }
    // Called again within one tick: keep the baseline so the next interval is long enough.
    if (total === 0) return this.last.get(key) ?? 0
    const value = Math.min(100, Math.max(0, (busy / total) * 100))
    this.baseline.set(key, now)
    this.last.set(key, value)
    return value
  }
}

// --- memory --------------------------------------------------------------------------------------

export interface MemoryReading {
  totalBytes: number
  availableBytes: number
  swap: { totalBytes: number; usedBytes: number } | null
}

/** Parses /proc/meminfo (values in kB). */
export function parseMeminfo(text: string): MemoryReading | null {
  const kb = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line)
    if (match) kb.set(match[1] as string, Number(match[2]))
  }
  const total = kb.get('MemTotal')
  if (total === undefined) return null
  // MemAvailable appeared in Linux 3.14; before it, free + page cache is the usual estimate.
  const available =
    kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0) + (kb.get('SReclaimable') ?? 0)
  const swapTotal = kb.get('SwapTotal')
  const swapFree = kb.get('SwapFree')
  return {
    totalBytes: total * 1024,
    availableBytes: Math.min(total, available) * 1024,
    swap: swapTotal === undefined || swapFree === undefined ? null : { totalBytes: swapTotal * 1024, usedBytes: Math.max(0, swapTotal - swapFree) * 1024 },
  }
}

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 }

function parseSize(text: string | undefined): number | null {
  const match = text === undefined ? null : /^([\d.]+)([BKMGTP]?)$/i.exec(text)
  if (!match) return null
  const value = Number(match[1]) * (SIZE_UNITS[(match[2] as string).toUpperCase()] ?? 1)
  return Number.isFinite(value) ? Math.round(value) : null
}

export interface MacSysctl {
  swap: { totalBytes: number; usedBytes: number } | null
  /** kern.memorystatus_level: percent of memory the kernel considers available. */
  availablePercent: number | null
}

/** Parses `sysctl vm.swapusage kern.memorystatus_level` (either line may be missing). */
export function parseMacSysctl(text: string): MacSysctl {
  const swapLine = /vm\.swapusage:\s*(.*)/.exec(text)?.[1]
  const total = parseSize(swapLine ? /total\s*=\s*(\S+)/.exec(swapLine)?.[1] : undefined)
  const used = parseSize(swapLine ? /used\s*=\s*(\S+)/.exec(swapLine)?.[1] : undefined)
  const level = /kern\.memorystatus_level:\s*(\d+)/.exec(text)?.[1]
  const percent = level === undefined ? null : Number(level)
  return {
    swap: total === null || used === null ? null : { totalBytes: total, usedBytes: used },
    availablePercent: percent !== null && percent >= 0 && percent <= 100 ? percent : null,
  }
}

/** The macOS sysctl answer, refreshed in the background: a spawn per sample would cost more than the rest. */
class MacSysctlCache {
  private value: MacSysctl | null = null
  private startedAt = -Infinity
  private pending: Promise<void> | null = null

  /** The cached answer; on the very first call waits for it so the first sample is complete. */
  async get(): Promise<MacSysctl | null> {
    if (this.pending === null && performance.now() - this.startedAt >= MAC_SYSCTL_EVERY_MS) {
      this.startedAt = performance.now()
      this.pending = this.refresh().finally(() => {
        this.pending = null
      })
      if (this.value === null) await this.pending
    }
    return this.value
  }

  private refresh(): Promise<void> {
    return new Promise((resolve) => {
      // A key unknown to this macOS version makes sysctl exit non-zero but still print the others.
      execFile('sysctl', ['vm.swapusage', 'kern.memorystatus_level'], { encoding: 'utf8', timeout: 5_000 }, (_error, stdout) => {
        if (stdout) this.value = parseMacSysctl(stdout)
        resolve()
      })
    })
  }
}

// --- disks ---------------------------------------------------------------------------------------

interface WatchedPath {
  path: string
  /** Null while the path does not exist. */
  dev: number | null
  mount: string | null
}

interface DiskMapping {
  key: string
  builtAt: number
  entries: WatchedPath[]
}

/** The highest ancestor still on `dev`: the mount point, walking up until the device changes. */
async function mountOf(resolved: string, dev: number): Promise<string | null> {
  let current = resolved
  for (;;) {
    const parent = path.dirname(current)
    if (parent === current) return current
    try {
      if ((await stat(parent)).dev !== dev) return current
    } catch {
      return current
    }
    current = parent
  }
}

async function watch(target: string): Promise<WatchedPath> {
  try {
    const resolved = await realpath(target)
    const { dev } = await stat(resolved)
    return { path: target, dev, mount: await mountOf(resolved, dev) }
  } catch {
    return { path: target, dev: null, mount: null }
  }
}

function uniquePaths(paths: readonly string[]): string[] {
  return [...new Set(paths.filter((p) => typeof p === 'string' && p.length > 0).map((p) => path.resolve(p)))]
}

async function diskUsage(group: WatchedPath[]): Promise<DiskUsage | null> {
  for (const entry of group) {
    try {
      const fsStats = await statfs(entry.path)
      const totalBytes = fsStats.blocks * fsStats.bsize
      const freeBytes = fsStats.bavail * fsStats.bsize
      const usedBytes = Math.max(0, (fsStats.blocks - fsStats.bfree) * fsStats.bsize)
      const denominator = usedBytes + freeBytes
      return {
        path: entry.path,
        paths: group.map((member) => member.path),
        mount: entry.mount,
        totalBytes,
        freeBytes,
        usedBytes,
        usedPercent: denominator > 0 ? (usedBytes / denominator) * 100 : 0,
      }
    } catch {
      // Removed since the mapping was built: another path on the same filesystem may still answer.
    }
  }
  return null
}

// --- sampler -------------------------------------------------------------------------------------

export class HostSampler {
  private readonly cpu = new CpuTracker()
  private readonly mac = isMac ? new MacSysctlCache() : null
  private mapping: DiskMapping | null = null
  private mappingStale = false
  private inFlight: Promise<HostSample> | null = null

  constructor(private readonly options: HostSamplerOptions) {}

  /** Concurrent calls share one sample, so CPU deltas are never split between callers. */
  sample(): Promise<HostSample> {
    this.inFlight ??= this.take().finally(() => {
      this.inFlight = null
    })
    return this.inFlight
  }

  private async take(): Promise<HostSample> {
    const at = Date.now()
    const [cpu, memory, disks] = await Promise.all([readCpu(), this.memory(), this.disks()])
    const cpuPerCore: number[] = []
    for (const [key, counters] of cpu.cores) cpuPerCore.push(this.cpu.percent(key, counters))
    const load = isWindows ? null : (os.loadavg() as [number, number, number])
    const usedBytes = Math.max(0, memory.totalBytes - memory.availableBytes)
    return {
      at,
      cpuPercent: this.cpu.percent('all', cpu.all),
      cpuPerCore,
      load,
      memory: {
        totalBytes: memory.totalBytes,
        availableBytes: memory.availableBytes,
        usedBytes,
        usedPercent: memory.totalBytes > 0 ? (usedBytes / memory.totalBytes) * 100 : 0,
      },
      swap: memory.swap,
      disks,
    }
  }

  private async memory(): Promise<MemoryReading> {
    if (isLinux) {
      try {
        const reading = parseMeminfo(await readFile('/proc/meminfo', 'latin1'))
        if (reading) return reading
      } catch {
        // fall through to the portable figures
      }
    }
    const totalBytes = os.totalmem()
    let availableBytes = os.freemem()
    let swap: MemoryReading['swap'] = null
    if (this.mac) {
      const extra = await this.mac.get()
      swap = extra?.swap ?? null
      if (extra?.availablePercent != null) availableBytes = Math.max(availableBytes, (extra.availablePercent / 100) * totalBytes)
    }
    return { totalBytes, availableBytes: Math.min(totalBytes, Math.round(availableBytes)), swap }
  }

  private async disks(): Promise<DiskUsage[]> {
    const mapping = await this.currentMapping()
    const groups = new Map<number, WatchedPath[]>()
    for (const entry of mapping.entries) {
      if (entry.dev === null) continue
      const group = groups.get(entry.dev)
      if (group) group.push(entry)
      else groups.set(entry.dev, [entry])
    }
    const usages = await Promise.all([...groups.values()].map(diskUsage))
    const found = usages.filter((usage): usage is DiskUsage => usage !== null)
    if (found.length < groups.size) this.mappingStale = true
    return found
  }

  private async currentMapping(): Promise<DiskMapping> {
    const paths = uniquePaths(this.options.paths())
    const key = paths.join('\0')
    const now = performance.now()
    const current = this.mapping
    if (current && current.key === key && !this.mappingStale) {
      const ttl = current.entries.some((entry) => entry.dev === null) ? MISSING_RETRY_MS : MAPPING_TTL_MS
      if (now - current.builtAt < ttl) return current
    }
    const mapping = { key, builtAt: now, entries: await Promise.all(paths.map(watch)) }
    this.mapping = mapping
    this.mappingStale = false
    return mapping
  }
}

// Chart data for the Resources view, from host samples (live, raw) or per-minute aggregates
// (older ranges): pure functions, so what is drawn is unit-tested.
import type { Run } from '../../../src-shared/domain'
import type { HostMinute, HostSample } from '../../../src-shared/monitor'
import type { ChartTheme } from '../charts/chart-theme'
import type { LineSpec, Threshold } from '../charts/host-chart'

export type Point = [number, number]

export interface CpuSeries {
  total: Point[]
  cores: Point[][]
}

export function cpuSeries(samples: readonly HostSample[]): CpuSeries {
  const cores = Math.max(0, ...samples.map((s) => s.cpuPerCore.length))
  const out: CpuSeries = { total: [], cores: Array.from({ length: cores }, () => []) }
  for (const s of samples) {
    out.total.push([s.at, s.cpuPercent])
    s.cpuPerCore.forEach((v, i) => out.cores[i]?.push([s.at, v]))
  }
  return out
}

export interface MemorySeries {
  used: Point[]
  available: Point[]
  swapUsed: Point[] | null
  totalBytes: number
  swapTotalBytes: number
}

export function memorySeries(samples: readonly HostSample[]): MemorySeries {
  const out: MemorySeries = { used: [], available: [], swapUsed: null, totalBytes: 0, swapTotalBytes: 0 }
  for (const s of samples) {
    out.used.push([s.at, s.memory.usedBytes])
    out.available.push([s.at, s.memory.availableBytes])
    out.totalBytes = Math.max(out.totalBytes, s.memory.totalBytes)
    if (s.swap && s.swap.totalBytes > 0) {
      out.swapUsed ??= []
      out.swapUsed.push([s.at, s.swap.usedBytes])
      out.swapTotalBytes = Math.max(out.swapTotalBytes, s.swap.totalBytes)
    }
  }
  return out
}

/**
 * The live memory chart's lines: used (filled), available and swap used, each in its own colour
 * and none in a threshold's, so "available" near the top never reads as the critical line.
 */
export function memoryLines(m: MemorySeries, theme: ChartTheme): LineSpec[] {
  return [
    { id: 'used', name: 'Used', color: theme.memory, data: m.used, width: 2, area: 0.14 },
    { id: 'available', name: 'Available', color: theme.available, data: m.available, width: 1.4 },
    ...(m.swapUsed ? [{ id: 'swap', name: 'Swap used', color: theme.muted, data: m.swapUsed, width: 1.2 }] : []),
  ]
}

/**
 * Warning and critical lines for a chart whose 100% is `scale` (100 for percent charts, the total
 * for bytes); `what` names the figure they apply to in the legend (`memory used`).
 */
export function thresholdLines(pair: { warning: number; critical: number } | undefined, theme: ChartTheme, what: string, scale = 100): Threshold[] {
  if (!pair) return []
  return (['warning', 'critical'] as const).map((level) => ({
    value: (pair[level] * scale) / 100,
    label: `${level} ${pair[level]}%`,
    legend: `${level}: ${what} ≥ ${pair[level]}%`,
    color: theme[level],
  }))
}

/** min / avg / max per minute, drawn as a band (min, then max − min stacked on it) and the avg line. */
export interface BandSeries {
  avg: Point[]
  lower: Point[]
  spread: Point[]
  /** The original figures by minute, for the tooltip. */
  byTime: Map<number, { min: number; avg: number; max: number }>
}

export function bandSeries(minutes: readonly HostMinute[], pick: 'cpu' | 'memory'): BandSeries {
  const out: BandSeries = { avg: [], lower: [], spread: [], byTime: new Map() }
  for (const m of minutes) {
    const v = m[pick]
    const at = m.minute + 30_000
    out.avg.push([at, v.avg])
    out.lower.push([at, v.min])
    out.spread.push([at, Math.max(0, v.max - v.min)])
    out.byTime.set(at, v)
  }
  return out
}

/** Per-minute fullest-disk figure (used %), for older ranges. */
export function diskMaxSeries(minutes: readonly HostMinute[]): Point[] {
  return minutes.filter((m) => m.diskMax !== null).map((m) => [m.minute + 30_000, m.diskMax as number])
}

/** A disk's used % over the live window, by its path. */
export function diskTrend(samples: readonly HostSample[], path: string): number[] {
  const out: number[] = []
  for (const s of samples) {
    const disk = s.disks.find((d) => d.path === path)
    if (disk) out.push(disk.usedPercent)
  }
  return out
}

/** SVG polyline points for a sparkline of `values` (0..100) in a w × h box. */
export function sparklinePoints(values: readonly number[], w: number, h: number, max = 100): string {
  if (values.length === 0) return ''
  const step = values.length > 1 ? w / (values.length - 1) : 0
  return values
    .map((v, i) => `${(i * step).toFixed(1)},${(h - (Math.min(max, Math.max(0, v)) / max) * h).toFixed(1)}`)
    .join(' ')
}

// ── top runs ───────────────────────────────────────────────────────────────────────────────

export interface TopRun {
  run: Run
  durationMs: number
  /** Average CPU over the run as % of one core (200% = two cores busy). */
  avgCorePercent: number | null
}

function durationOf(run: Run, now: number): number {
  const start = Date.parse(run.startedAt)
  const end = run.finishedAt === null ? now : Date.parse(run.finishedAt)
  return Math.max(0, end - start)
}

export function toTopRun(run: Run, now: number): TopRun {
  const durationMs = durationOf(run, now)
  return {
    run,
    durationMs,
    avgCorePercent: run.cpuSeconds !== null && durationMs >= 1 ? (run.cpuSeconds * 1000 * 100) / durationMs : null,
  }
}

/** The `n` runs with the most CPU time and the `n` with the highest peak memory. */
export function topRuns(runs: readonly Run[], n: number, now: number): { byCpu: TopRun[]; byRss: TopRun[] } {
  const byCpu = runs
    .filter((r) => r.cpuSeconds !== null && r.cpuSeconds > 0)
    .sort((a, b) => (b.cpuSeconds as number) - (a.cpuSeconds as number))
    .slice(0, n)
    .map((r) => toTopRun(r, now))
  const byRss = runs
    .filter((r) => r.peakRssBytes !== null && r.peakRssBytes > 0)
    .sort((a, b) => (b.peakRssBytes as number) - (a.peakRssBytes as number))
    .slice(0, n)
    .map((r) => toTopRun(r, now))
  return { byCpu, byRss }
}

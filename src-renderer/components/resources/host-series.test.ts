import { describe, expect, it } from 'vitest'
import type { Run } from '../../../src-shared/domain'
import type { HostMinute, HostSample } from '../../../src-shared/monitor'
import { CHART_THEME } from '../charts/chart-theme'
import { hostChartOption, legendItems, THRESHOLD_LINE } from '../charts/host-chart'
import { bandSeries, cpuSeries, diskMaxSeries, diskTrend, memoryLines, memorySeries, sparklinePoints, thresholdLines, topRuns } from './host-series'

const GiB = 1024 ** 3
const sample = (at: number, cpu: number, cores: number[], usedGiB: number, swap: HostSample['swap'] = null): HostSample => ({
  at,
  cpuPercent: cpu,
  cpuPerCore: cores,
  load: null,
  memory: { totalBytes: 16 * GiB, usedBytes: usedGiB * GiB, availableBytes: (16 - usedGiB) * GiB, usedPercent: (usedGiB / 16) * 100 },
  swap,
  disks: [{ path: '/data', paths: ['/data'], mount: '/', totalBytes: 100, freeBytes: 100 - at, usedBytes: at, usedPercent: at }],
})

describe('host series', () => {
  it('splits CPU into the machine total and one line per core', () => {
    const s = cpuSeries([sample(1, 50, [40, 60], 4), sample(2, 70, [80, 60], 4)])
    expect(s.total).toEqual([
      [1, 50],
      [2, 70],
    ])
    expect(s.cores).toEqual([
      [
        [1, 40],
        [2, 80],
      ],
      [
        [1, 60],
        [2, 60],
      ],
    ])
  })

  it('gives memory used and available in bytes, and swap only when the host has some', () => {
    const none = memorySeries([sample(1, 0, [], 4)])
    expect(none.used).toEqual([[1, 4 * GiB]])
    expect(none.available).toEqual([[1, 12 * GiB]])
    expect(none.totalBytes).toBe(16 * GiB)
    expect(none.swapUsed).toBeNull()
    const withSwap = memorySeries([sample(1, 0, [], 4, { totalBytes: 2 * GiB, usedBytes: GiB })])
    expect(withSwap.swapUsed).toEqual([[1, GiB]])
    expect(withSwap.swapTotalBytes).toBe(2 * GiB)
  })

  it('draws per-minute aggregates as a band (min, then max − min stacked) around the average, mid-minute', () => {
    const minutes: HostMinute[] = [
      { minute: 60_000, samples: 60, cpu: { min: 10, avg: 20, max: 50 }, memory: { min: 40, avg: 41, max: 42 }, diskMax: 70 },
      { minute: 120_000, samples: 60, cpu: { min: 5, avg: 6, max: 9 }, memory: { min: 40, avg: 40, max: 40 }, diskMax: null },
    ]
    const b = bandSeries(minutes, 'cpu')
    expect(b.avg).toEqual([
      [90_000, 20],
      [150_000, 6],
    ])
    expect(b.lower).toEqual([
      [90_000, 10],
      [150_000, 5],
    ])
    expect(b.spread).toEqual([
      [90_000, 40],
      [150_000, 4],
    ])
    expect(b.byTime.get(90_000)).toEqual({ min: 10, avg: 20, max: 50 })
    expect(diskMaxSeries(minutes)).toEqual([[90_000, 70]])
  })

  it('follows a disk by path and draws a sparkline in its box', () => {
    expect(diskTrend([sample(10, 0, [], 1), sample(20, 0, [], 1)], '/data')).toEqual([10, 20])
    expect(diskTrend([sample(10, 0, [], 1)], '/other')).toEqual([])
    expect(sparklinePoints([0, 50, 100], 80, 16)).toBe('0.0,16.0 40.0,8.0 80.0,0.0')
    expect(sparklinePoints([], 80, 16)).toBe('')
  })
})

describe('the memory chart', () => {
  // Mostly free memory: "available" runs at ~94% of the axis, right where the critical line is.
  const m = memorySeries([sample(1, 10, [], 1), sample(2, 10, [], 1)])

  for (const themeName of ['light', 'dark'] as const) {
    const theme = CHART_THEME[themeName]
    it(`gives used, available and the thresholds colours of their own (${themeName})`, () => {
      const lines = memoryLines(m, theme)
      const thresholds = thresholdLines({ warning: 85, critical: 95 }, theme, 'memory used', m.totalBytes)
      const colors = [...lines.map((l) => l.color), ...thresholds.map((t) => t.color)]
      expect(new Set(colors).size).toBe(colors.length)
      // Not CPU's colour either: the two charts sit one above the other.
      expect(lines.find((l) => l.id === 'available')?.color).not.toBe(theme.cpu)
      expect(thresholds.map((t) => t.value)).toEqual([0.85 * 16 * GiB, 0.95 * 16 * GiB])
    })
  }

  it('draws series solid and thresholds dotted, under the series, labelled outside the plot', () => {
    const theme = CHART_THEME.light
    const series = memoryLines(m, theme)
    const thresholds = thresholdLines({ warning: 85, critical: 95 }, theme, 'memory used', m.totalBytes)
    const option = hostChartOption({ series, xMin: 0, xMax: 3, yFormat: String, thresholds }, theme)
    const drawn = option.series as Array<{ id: string; lineStyle: { type: string }; z: number; markLine?: { z: number; data: Array<{ lineStyle: { type: string; color: string }; label: { position: string } }> } }>
    expect(drawn.map((s) => s.lineStyle.type)).toEqual(['solid', 'solid'])
    const marks = drawn[0]?.markLine
    expect(marks?.data.map((d) => d.lineStyle.type)).toEqual([THRESHOLD_LINE.type, THRESHOLD_LINE.type])
    expect(THRESHOLD_LINE.type).not.toBe('solid')
    expect(marks?.data.map((d) => d.lineStyle.color)).toEqual([theme.warning, theme.critical])
    expect(marks?.data.every((d) => d.label.position === 'end')).toBe(true)
    expect(marks?.z).toBeLessThan(drawn[0]?.z ?? 0)
    // The labels need room right of the plot.
    expect((option.grid as { right: number }).right).toBeGreaterThan(60)
  })

  it('lists each line and each threshold in the legend, with what the threshold applies to', () => {
    const theme = CHART_THEME.dark
    const items = legendItems(memoryLines(m, theme), thresholdLines({ warning: 85, critical: 95 }, theme, 'memory used'))
    expect(items.map((i) => [i.kind, i.label])).toEqual([
      ['series', 'Used'],
      ['series', 'Available'],
      ['threshold', 'warning: memory used ≥ 85%'],
      ['threshold', 'critical: memory used ≥ 95%'],
    ])
  })

  it('leaves band parts and per-core lines out of the legend', () => {
    const items = legendItems(
      [
        { id: 'cpu', name: 'CPU (machine)', color: '#111', data: [] },
        { id: 'core0', name: 'core 0', color: '#111', data: [], quiet: true },
      ],
      [],
    )
    expect(items.map((i) => i.label)).toEqual(['CPU (machine)'])
  })
})

describe('topRuns', () => {
  const run = (id: string, cpuSeconds: number | null, peakRssBytes: number | null, ms = 10_000): Run =>
    ({ id, startedAt: new Date(0).toISOString(), finishedAt: new Date(ms).toISOString(), cpuSeconds, peakRssBytes, status: 'succeeded' }) as Run

  it('ranks by CPU time and by peak memory, skipping runs without figures, CPU as % of one core', () => {
    const runs = [run('a', 5, 100), run('b', 30, null, 10_000), run('c', null, 900), run('d', 1, 500)]
    const { byCpu, byRss } = topRuns(runs, 2, 20_000)
    expect(byCpu.map((t) => t.run.id)).toEqual(['b', 'a'])
    // 30 s of CPU over 10 s of wall time: three cores busy on average.
    expect(byCpu[0]?.avgCorePercent).toBeCloseTo(300)
    expect(byRss.map((t) => t.run.id)).toEqual(['c', 'd'])
    expect(byRss[0]?.durationMs).toBe(10_000)
  })
})

// The Timeline's host strip marks each step of adaptive concurrency: a thin vertical line at its
// time (a markLine on the host grid, labelled with the new limit), and, under the pointer, the
// step in words ("concurrency 4 → 3: CPU 85% over 80%").
import type { ConcurrencyChange } from '../../../src-shared/monitor'
import { absoluteTime } from '../../format'
import { concurrencyChangeText } from '../../wording'
import type { ChartTheme } from '../charts/chart-theme'
import type { MarkLineOption } from '../charts/echarts'
import type { TipText } from './gantt-tip'

/** A step as the chart keeps it: its time in epoch ms beside what the engine sent. */
export interface ConcurrencyMark extends ConcurrencyChange {
  t: number
}

export function concurrencyMarksOf(changes: readonly ConcurrencyChange[]): ConcurrencyMark[] {
  return changes.map((c) => ({ ...c, t: Date.parse(c.at) })).sort((a, b) => a.t - b.t)
}

/** The host grid's vertical marks: a step down in the warning hue, a step up in the muted one. */
export function concurrencyMarkLine(marks: readonly ConcurrencyMark[], theme: ChartTheme): MarkLineOption {
  return {
    silent: true,
    symbol: 'none',
    animation: false,
    data: marks.map((m) => ({
      xAxis: m.t,
      lineStyle: { color: m.to < m.from ? theme.warning : theme.muted, width: 1.5, type: 'solid' },
      label: { show: true, position: 'end', formatter: `${m.to < m.from ? '↓' : '↑'}${m.to}`, color: m.to < m.from ? theme.warning : theme.muted, fontSize: 10 },
    })),
  }
}

/** The step nearest `t` within `slackMs`, or null. */
export function hitConcurrencyMark(marks: readonly ConcurrencyMark[], t: number, slackMs: number): ConcurrencyMark | null {
  let best: ConcurrencyMark | null = null
  for (const m of marks) {
    const d = Math.abs(m.t - t)
    if (d <= slackMs && (best === null || d < Math.abs(best.t - t))) best = m
  }
  return best
}

export function describeConcurrencyMark(m: ConcurrencyMark): TipText {
  return {
    title: concurrencyChangeText(m),
    status: null,
    lines: [
      ['At', absoluteTime(m.t)],
      ['Limit', `${m.to} of ${m.max} at once`],
    ],
    hint: 'Adaptive concurrency: fewer jobs start while the host is loaded; running jobs are never stopped',
  }
}

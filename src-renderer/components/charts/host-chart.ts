// The host line chart's option and legend, pure: series are solid lines in their own colours;
// thresholds are thin dotted lines in the health colours with their labels outside the plot, on
// the right, so a series that runs near one never reads as the threshold itself, and the legend
// says which is which. HostLineChart.vue only draws what this returns.
import { absoluteTime } from '../../format'
import type { ChartTheme } from './chart-theme'
import type { ChartOption } from './echarts'

export interface LineSpec {
  id: string
  name: string
  color: string
  data: Array<[number, number]>
  width?: number
  /** Fill under the line with this opacity. */
  area?: number
  opacity?: number
  /** Stack name: a band is a transparent lower series and a filled spread series in one stack. */
  stack?: string
  /** Left out of the tooltip and the legend (band parts, per-core lines). */
  quiet?: boolean
}

export interface Threshold {
  value: number
  /** Beside the line: short (`critical 95%`). */
  label: string
  /** In the legend: what it applies to (`critical: memory used ≥ 95%`). */
  legend?: string
  color: string
}

export interface HostChartInput {
  series: readonly LineSpec[]
  xMin: number
  xMax: number
  yMax?: number
  yInterval?: number
  yFormat: (value: number) => string
  thresholds: readonly Threshold[]
  extraTip?: (at: number) => string[]
}

/** Thresholds are dotted and thin; series are solid: the two never share a look. */
export const THRESHOLD_LINE = { type: 'dotted' as const, width: 1.2 }
/** Room right of the plot for the threshold labels. */
export const THRESHOLD_LABEL_PX = 76

export interface LegendItem {
  kind: 'series' | 'threshold'
  label: string
  color: string
}

/** What the legend lists: each series the operator reads (not band parts or per-core lines), then each threshold. */
export function legendItems(series: readonly LineSpec[], thresholds: readonly Threshold[]): LegendItem[] {
  return [
    ...series.filter((s) => !s.quiet).map((s): LegendItem => ({ kind: 'series', label: s.name, color: s.color })),
    ...thresholds.map((t): LegendItem => ({ kind: 'threshold', label: t.legend ?? t.label, color: t.color })),
  ]
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export function hostChartOption(input: HostChartInput, t: ChartTheme): ChartOption {
  const { thresholds } = input
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
    grid: { left: 58, right: thresholds.length ? THRESHOLD_LABEL_PX : 14, top: 10, bottom: 24 },
    tooltip: {
      trigger: 'axis',
      confine: true,
      backgroundColor: t.background,
      borderColor: t.border,
      textStyle: { color: t.text, fontSize: 12 },
      axisPointer: { type: 'line', lineStyle: { color: t.muted, type: 'dashed' } },
      formatter: (raw: unknown) => {
        const params = (Array.isArray(raw) ? raw : [raw]) as Array<{ seriesId?: string; seriesName?: string; color?: string; value?: unknown; axisValue?: number }>
        const at = params[0]?.axisValue ?? 0
        const quiet = new Set(input.series.filter((s) => s.quiet).map((s) => s.id))
        const lines = params
          .filter((p) => !quiet.has(p.seriesId ?? ''))
          .map((p) => {
            const v = Array.isArray(p.value) ? (p.value[1] as number) : NaN
            return `<span style="display:inline-block;width:8px;height:8px;border-radius:4px;background:${String(p.color)};margin-right:6px"></span>${escape(p.seriesName ?? '')}: <b>${escape(input.yFormat(v))}</b>`
          })
        const extra = input.extraTip?.(at) ?? []
        return [`<span style="color:${t.muted}">${escape(absoluteTime(at))}</span>`, ...lines, ...extra.map(escape)].join('<br>')
      },
    },
    xAxis: {
      type: 'time',
      min: input.xMin,
      max: input.xMax,
      axisLabel: { color: t.muted, fontSize: 11, hideOverlap: true },
      axisLine: { lineStyle: { color: t.border } },
      axisTick: { show: false },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: input.yMax,
      interval: input.yInterval,
      splitNumber: 4,
      axisLabel: { color: t.muted, fontSize: 11, formatter: (v: number) => input.yFormat(v) },
      splitLine: { lineStyle: { color: t.border, type: 'dashed' } },
    },
    series: input.series.map((s, i) => ({
      id: s.id,
      name: s.name,
      type: 'line' as const,
      data: s.data,
      showSymbol: false,
      sampling: 'lttb' as const,
      color: s.color,
      stack: s.stack,
      z: s.quiet ? 1 : 3,
      lineStyle: { width: s.width ?? 1.5, type: 'solid' as const, opacity: s.opacity ?? 1 },
      areaStyle: s.area !== undefined ? { opacity: s.area } : undefined,
      animation: false,
      // Threshold lines ride on the first series, under the series (z), labelled outside the plot.
      markLine:
        i === 0 && thresholds.length
          ? {
              silent: true,
              symbol: 'none',
              animation: false,
              z: 0,
              // Neighbouring thresholds: the lower label just under its line, the upper one just over it.
              data: thresholds.map((th, k) => ({
                yAxis: th.value,
                name: th.label,
                label: {
                  show: true,
                  position: 'end' as const,
                  formatter: '{b}',
                  color: th.color,
                  fontSize: 10,
                  distance: 4,
                  offset: [0, k === 0 && thresholds.length > 1 ? 5 : -5],
                },
                lineStyle: { color: th.color, opacity: 0.85, ...THRESHOLD_LINE },
              })),
            }
          : undefined,
    })),
  }
}

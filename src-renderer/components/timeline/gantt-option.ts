// The timeline's ECharts option: the Gantt grid (one custom series whose items are the scene's
// layers, each drawn as one path), host CPU/memory below on a second grid sharing the time
// axis with adaptive concurrency's steps marked on it, and one dataZoom (inside + slider) driving both. No animation: data is large and live.
import { clockTime } from '../../format'
import { rectsElement, type ChartOption, type PatternFill, type RenderItemApi, type RenderItemParams, type RenderItemReturn } from '../charts/echarts'
import type { HostSeries } from '../../stores/timeline'
import type { TimeWindow } from './gantt-data'
import { layerRects, MAX_BOX_PX, type GanttScene, type LayerStyle, type PlotMapping } from './gantt-scene'
import { LABEL_WIDTH, type GanttLayout } from './gantt-layout'
import type { ChartTheme } from '../charts/chart-theme'
import { concurrencyMarkLine } from './concurrency-marks'

export { computeLayout, plotWidthOf, type GanttLayout } from './gantt-layout'

export const ZOOM_INSIDE_ID = 'time-inside'
export const ZOOM_SLIDER_ID = 'time-slider'
export const ROWS_SLIDER_ID = 'rows-slider'


const hatches = new Map<string, PatternFill>()

/** Diagonal stripes in `color` on a transparent tile: the overlap's own texture. */
function hatchPattern(color: string): PatternFill {
  let pattern = hatches.get(color)
  if (pattern) return pattern
  const tile = document.createElement('canvas')
  tile.width = 6
  tile.height = 6
  const ctx = tile.getContext('2d')
  if (ctx) {
    ctx.strokeStyle = color
    ctx.globalAlpha = 0.7
    ctx.lineWidth = 1.2
    // Two strokes, so the stripes run on across tile edges.
    ctx.beginPath()
    ctx.moveTo(0, 6)
    ctx.lineTo(6, 0)
    ctx.moveTo(-3, 3)
    ctx.lineTo(3, -3)
    ctx.moveTo(3, 9)
    ctx.lineTo(9, 3)
    ctx.stroke()
  }
  pattern = { image: tile, repeat: 'repeat' }
  hatches.set(color, pattern)
  return pattern
}

function drawStyle(style: LayerStyle): RectsElementStyle {
  const { hatch, ...rest } = style
  return hatch ? { ...rest, fill: hatchPattern(hatch) } : rest
}

type RectsElementStyle = Parameters<typeof rectsElement>[0]['style']

/** The custom series' renderItem: each data item is a layer of the current scene, drawn as one path. */
export function makeRenderItem(getScene: () => GanttScene, range: () => TimeWindow): (params: RenderItemParams, api: RenderItemApi) => RenderItemReturn {
  return (params, api) => {
    const scene = getScene()
    const layer = scene.layers[params.dataIndex]
    if (!layer) return null
    const clip = params.coordSys as unknown as { x: number; y: number; width: number; height: number }
    const { since, until } = range()
    const a = api.coord([since, 0])
    const b = api.coord([until, 0])
    const size = api.size?.([0, 1]) as number[] | undefined
    const band = Math.abs(size?.[1] ?? clip.height)
    const ax = a[0] ?? 0
    const bx = b[0] ?? 0
    const map: PlotMapping = {
      originX: ax,
      originT: since,
      pxPerMs: (bx - ax) / Math.max(1, until - since),
      row0Y: a[1] ?? clip.y,
      band,
      box: Math.min(band * 0.62, MAX_BOX_PX),
      clip,
    }
    const { rects, count } = layerRects(layer, map, scene.now)
    return rectsElement({ shape: { rects, count, diamond: layer.shape === 'diamond' }, style: drawStyle(layer.style) })
  }
}

export interface OptionInput {
  layout: GanttLayout
  theme: ChartTheme
  rows: readonly string[]
  range: TimeWindow
  view: TimeWindow
  layerCount: number
  host: HostSeries
  renderItem: ReturnType<typeof makeRenderItem>
  /** A row's label when it is not the row's key (a source's rows: rowLabel in gantt-data.ts). */
  rowLabel?: (row: string) => string
}

export function ganttSeries(layerCount: number, range: TimeWindow): Array<[number, number, number]> {
  return Array.from({ length: layerCount }, (_, i) => [range.since, 0, i])
}

export function hostSeriesData(host: HostSeries): { cpu: Array<[number, number]>; memory: Array<[number, number]> } {
  return { cpu: host.cpu, memory: host.memory }
}

export function buildOption(input: OptionInput): ChartOption {
  const { layout, theme, rows, range, view } = input
  const axisLabel = { color: theme.muted, fontSize: 11, hideOverlap: true }
  const splitLine = { show: true, lineStyle: { color: theme.border, width: 1 } }
  const pct = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v)}%` : '—')
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    grid: [
      { id: 'gantt', left: layout.left, right: layout.right, top: layout.ganttTop, height: layout.ganttHeight },
      { id: 'host', left: layout.left, right: layout.right, top: layout.hostTop, height: layout.hostHeight },
    ],
    xAxis: [
      {
        type: 'time',
        gridIndex: 0,
        position: 'top',
        min: range.since,
        max: range.until,
        axisLabel,
        axisLine: { show: false },
        axisTick: { show: false },
        splitLine,
        axisPointer: { show: true, snap: false, lineStyle: { color: theme.muted, type: 'dashed' }, label: { show: false } },
      },
      {
        type: 'time',
        gridIndex: 1,
        min: range.since,
        max: range.until,
        axisLabel,
        axisLine: { lineStyle: { color: theme.border } },
        axisTick: { show: false },
        splitLine,
        axisPointer: {
          show: true,
          snap: false,
          lineStyle: { color: theme.muted, type: 'dashed' },
          label: {
            show: true,
            backgroundColor: theme.text,
            color: theme.background,
            fontSize: 11,
            formatter: (params: unknown) => {
              const p = params as { value: number; seriesData?: Array<{ seriesId?: string; value?: unknown }> }
              const at = (id: string): unknown => {
                const v = p.seriesData?.find((s) => s.seriesId === id)?.value
                return Array.isArray(v) ? v[1] : undefined
              }
              return `${clockTime(p.value)}  ·  CPU ${pct(at('cpu'))}  ·  memory ${pct(at('memory'))}`
            },
          },
        },
      },
    ],
    yAxis: [
      {
        type: 'category',
        gridIndex: 0,
        data: [...rows],
        inverse: true,
        axisLine: { lineStyle: { color: theme.border } },
        axisTick: { show: false },
        axisLabel: {
          color: theme.text,
          fontSize: 12,
          width: LABEL_WIDTH,
          overflow: 'truncate',
          ellipsis: '…',
          interval: 0,
          ...(input.rowLabel ? { formatter: input.rowLabel } : {}),
        },
        splitLine: { show: true, interval: 0, lineStyle: { color: theme.border } },
        splitArea: { show: false },
        triggerEvent: true,
      },
      {
        type: 'value',
        gridIndex: 1,
        min: 0,
        max: 100,
        interval: 50,
        name: 'host %',
        nameLocation: 'middle',
        nameGap: 34,
        nameTextStyle: { color: theme.muted, fontSize: 11 },
        axisLabel: { color: theme.muted, fontSize: 10, formatter: '{value}%' },
        splitLine: { lineStyle: { color: theme.border, type: 'dashed' } },
      },
    ],
    dataZoom: [
      {
        type: 'inside',
        id: ZOOM_INSIDE_ID,
        xAxisIndex: [0, 1],
        filterMode: 'none',
        startValue: view.since,
        endValue: view.until,
        minValueSpan: 10_000,
        // The wheel and drags are the chart's own gestures (use-gantt-gestures.ts): a notch
        // steps by a known factor, and a drag brushes a span instead of panning.
        zoomOnMouseWheel: false,
        moveOnMouseMove: false,
        moveOnMouseWheel: false,
      },
      {
        type: 'slider',
        id: ZOOM_SLIDER_ID,
        xAxisIndex: [0, 1],
        filterMode: 'none',
        startValue: view.since,
        endValue: view.until,
        minValueSpan: 10_000,
        showDataShadow: false,
        height: 18,
        top: layout.sliderTop,
        left: layout.left,
        right: layout.right,
        borderColor: theme.border,
        fillerColor: `${theme.accent}22`,
        handleStyle: { color: theme.background, borderColor: theme.muted },
        moveHandleStyle: { color: theme.muted },
        textStyle: { color: theme.muted, fontSize: 10 },
        labelFormatter: (value: number) => clockTime(value),
      },
      ...(layout.rowSlider
        ? [
            {
              type: 'slider' as const,
              id: ROWS_SLIDER_ID,
              yAxisIndex: [0],
              orient: 'vertical' as const,
              filterMode: 'none' as const,
              right: 6,
              top: layout.ganttTop,
              height: layout.ganttHeight,
              width: 14,
              startValue: 0,
              endValue: layout.rowsVisible - 1,
              zoomLock: true,
              showDetail: false,
              showDataShadow: false,
              brushSelect: false,
              borderColor: theme.border,
              fillerColor: `${theme.accent}22`,
              handleSize: 0,
            },
          ]
        : []),
    ],
    series: [
      {
        id: 'gantt',
        type: 'custom',
        xAxisIndex: 0,
        yAxisIndex: 0,
        renderItem: input.renderItem,
        data: ganttSeries(input.layerCount, range),
        encode: { x: 0, y: 1 },
        clip: true,
        silent: true,
        animation: false,
        progressive: 0,
      },
      {
        id: 'cpu',
        name: 'CPU',
        type: 'line',
        xAxisIndex: 1,
        yAxisIndex: 1,
        data: input.host.cpu,
        showSymbol: false,
        sampling: 'lttb',
        silent: true,
        color: theme.cpu,
        lineStyle: { width: 1.2 },
        areaStyle: { opacity: 0.12 },
        animation: false,
      },
      {
        id: 'memory',
        name: 'Memory',
        type: 'line',
        xAxisIndex: 1,
        yAxisIndex: 1,
        data: input.host.memory,
        showSymbol: false,
        sampling: 'lttb',
        silent: true,
        color: theme.memory,
        lineStyle: { width: 1.2 },
        animation: false,
      },
      {
        id: 'concurrency',
        name: 'Concurrency',
        type: 'line',
        xAxisIndex: 1,
        yAxisIndex: 1,
        data: [],
        silent: true,
        animation: false,
        markLine: concurrencyMarkLine(input.host.concurrency, theme),
      },
    ],
  }
}

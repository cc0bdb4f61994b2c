// The one place ECharts is assembled: only the charts and components the views use (tree-shaken),
// the canvas renderer, and the `rects` shape the timeline draws many bars with in one path.
import { CustomChart, LineChart, type CustomSeriesOption, type LineSeriesOption } from 'echarts/charts'
import {
  AxisPointerComponent,
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  MarkLineComponent,
  TooltipComponent,
  type DataZoomComponentOption,
  type GridComponentOption,
  type MarkLineComponentOption,
  type TooltipComponentOption,
} from 'echarts/components'
import { graphic, init, use, type ComposeOption, type ECharts } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

use([CustomChart, LineChart, GridComponent, TooltipComponent, AxisPointerComponent, DataZoomInsideComponent, DataZoomSliderComponent, MarkLineComponent, CanvasRenderer])

export type ChartOption = ComposeOption<
  CustomSeriesOption | LineSeriesOption | GridComponentOption | DataZoomComponentOption | TooltipComponentOption | MarkLineComponentOption
>

/** A line series' markLine (the Timeline's concurrency marks). */
export type MarkLineOption = NonNullable<LineSeriesOption['markLine']>

export type RenderItem = NonNullable<CustomSeriesOption['renderItem']>
export type RenderItemParams = Parameters<RenderItem>[0]
export type RenderItemApi = Parameters<RenderItem>[1]
export type RenderItemReturn = ReturnType<RenderItem>

export interface RectsShape {
  /** x, y, width, height per rect. */
  rects: Float32Array
  count: number
  /** Each rect drawn as the diamond inscribed in it (a marker) instead. */
  diamond?: boolean
}

/**
 * Many axis-aligned rects as one path: one canvas element per fill style instead of one per bar,
 * which is what keeps a Gantt of thousands of runs at a few milliseconds per frame.
 */
const Rects = graphic.extendShape({
  type: 'jobdeck-rects',
  shape: { rects: new Float32Array(0), count: 0, diamond: false },
  buildPath(ctx, shape) {
    const { rects, count, diamond } = shape as unknown as RectsShape
    for (let i = 0; i < count; i++) {
      const o = i * 4
      const x = rects[o] as number
      const y = rects[o + 1] as number
      const w = rects[o + 2] as number
      const h = rects[o + 3] as number
      if (!diamond) {
        ctx.rect(x, y, w, h)
        continue
      }
      ctx.moveTo(x + w / 2, y)
      ctx.lineTo(x + w, y + h / 2)
      ctx.lineTo(x + w / 2, y + h)
      ctx.lineTo(x, y + h / 2)
      ctx.closePath()
    }
  },
})
graphic.registerShape('jobdeckRects', Rects)

/** A repeating image fill (zrender's pattern object), e.g. hatching. */
export interface PatternFill {
  image: HTMLCanvasElement
  repeat: 'repeat'
}

export interface RectsElement {
  shape: RectsShape
  style: { fill?: string | PatternFill; stroke?: string; lineWidth?: number; lineDash?: number[]; opacity?: number }
  z2?: number
}

/** A renderItem return value for the registered rects shape (not in ECharts' own type union). */
export function rectsElement(el: RectsElement): RenderItemReturn {
  return { type: 'jobdeckRects', silent: true, ...el } as unknown as RenderItemReturn
}

export { init, type ECharts }

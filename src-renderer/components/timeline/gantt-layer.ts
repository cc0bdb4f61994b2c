// One layer of the timeline Gantt: rects in data coordinates (row, start, end, and a vertical
// span inside the row's bar box) drawn with one fill style as one canvas path. The runs' scene
// (gantt-scene.ts) and what is drawn ahead of now (gantt-ahead.ts) build their layers here.

/** Rect stride in a layer: row, start, end (NaN: now, when drawn), y0, y1 (fractions of the bar box; row -1: full plot height, row -2: a mark on the time axis). */
export const STRIDE = 5

export interface LayerStyle {
  fill?: string
  stroke?: string
  lineWidth?: number
  lineDash?: number[]
  opacity?: number
  /** Diagonal stripes of this colour over the fill (the chart turns it into a pattern). */
  hatch?: string
}

/** How a layer's rects are drawn: as rects, or as diamonds centred on their start. */
export type LayerShape = 'rect' | 'diamond'

export interface Layer {
  name: string
  data: Float64Array
  count: number
  style: LayerStyle
  /** Narrowest drawn width in pixels (a 3 s run in a 24 h view is still a visible sliver). */
  minWidthPx: number
  shape: LayerShape
}

export class LayerBuilder {
  private data: Float64Array
  count = 0
  constructor(
    readonly name: string,
    readonly style: LayerStyle,
    readonly minWidthPx: number,
    capacity: number,
    readonly shape: LayerShape = 'rect',
  ) {
    this.data = new Float64Array(Math.max(1, capacity) * STRIDE)
  }
  add(row: number, start: number, end: number, y0: number, y1: number): void {
    if ((this.count + 1) * STRIDE > this.data.length) {
      const next = new Float64Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    const o = this.count * STRIDE
    this.data[o] = row
    this.data[o + 1] = start
    this.data[o + 2] = end
    this.data[o + 3] = y0
    this.data[o + 4] = y1
    this.count++
  }
  build(): Layer {
    return { name: this.name, data: this.data, count: this.count, style: this.style, minWidthPx: this.minWidthPx, shape: this.shape }
  }
}


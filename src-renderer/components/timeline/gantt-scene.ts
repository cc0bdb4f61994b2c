// What the Gantt draws, as a few layers of rects in data coordinates (row, start, end and a
// vertical span inside the row's bar box), one layer per fill style. The chart turns each layer
// into ONE canvas path, so drawing cost grows with the number of rects, not of elements.
import type { RunStatus, TimelineBucket, TimelineItem } from '../../../src-shared/domain'
import type { AnyStatus } from '../../status'
import {
  blocksFromBuckets,
  emptyHitIndex,
  rowKeyOf,
  stackBlock,
  type Block,
  type GroupBy,
  type HitIndex,
  type Overlap,
  type WaitingBar,
} from './gantt-data'

/** Blocks of bucketed runs are this many pixels wide (the server buckets per pixel). */
export const BLOCK_PX = 3
/** Rect stride in a layer: row, start, end (NaN: now, when drawn), y0, y1 (fractions of the bar box; row -1: full plot height). */
export const STRIDE = 5

export interface LayerStyle {
  fill?: string
  stroke?: string
  lineWidth?: number
  lineDash?: number[]
  opacity?: number
}

export interface Layer {
  name: string
  data: Float64Array
  count: number
  style: LayerStyle
  /** Narrowest drawn width in pixels (a 3 s run in a 24 h view is still a visible sliver). */
  minWidthPx: number
}

export interface GanttScene {
  rows: readonly string[]
  layers: Layer[]
  hit: HitIndex
  now: number
  blocks: number
  itemCount: number
}

export interface SceneInput {
  rows: readonly string[]
  groupBy: GroupBy
  items: readonly TimelineItem[]
  buckets: readonly TimelineBucket[]
  bucketMs: number
  overlaps: readonly Overlap[]
  waiting: readonly WaitingBar[]
  now: number
  colors: Record<AnyStatus, string>
  overlapColor: string
  nowColor: string
}

class LayerBuilder {
  private data: Float64Array
  count = 0
  constructor(
    readonly name: string,
    readonly style: LayerStyle,
    readonly minWidthPx: number,
    capacity: number,
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
    return { name: this.name, data: this.data, count: this.count, style: this.style, minWidthPx: this.minWidthPx }
  }
}

const FINISHED: readonly RunStatus[] = ['succeeded', 'partial', 'canceled', 'interrupted', 'failed']

export function buildScene(input: SceneInput): GanttScene {
  const { rows, colors } = input
  const rowIndex = new Map(rows.map((row, i) => [row, i]))
  const hit = emptyHitIndex(rows.length)
  const n = input.items.length

  const waits = new LayerBuilder('wait', { fill: colors.queued, opacity: 0.38 }, 0, n)
  const bars = new Map<RunStatus, LayerBuilder>(FINISHED.map((s) => [s, new LayerBuilder(`bar:${s}`, { fill: colors[s] }, 1, 16)]))
  const running = new LayerBuilder('bar:running', { fill: colors.running }, 2, 8)
  const runningEdge = new LayerBuilder('edge:running', { fill: colors.running, opacity: 0.35 }, 0, 8)

  for (const item of input.items) {
    const row = rowIndex.get(rowKeyOf(item, input.groupBy))
    if (row === undefined) continue
    hit.items[row]?.push(item)
    if (item.queuedAt < item.startedAt) waits.add(row, item.queuedAt, item.startedAt, 0.34, 0.66)
    if (item.finishedAt === null) {
      running.add(row, item.startedAt, NaN, 0, 1)
      // A faint halo at the growing end says "still going".
      runningEdge.add(row, item.startedAt, NaN, -0.18, 1.18)
    } else {
      ;(bars.get(item.status) ?? bars.get('succeeded'))?.add(row, item.startedAt, item.finishedAt, 0, 1)
    }
  }

  // Bucketed runs: stacked blocks a few pixels wide, fainter than individual bars.
  const blockMs = Math.max(1, input.bucketMs * BLOCK_PX)
  const blocks: Block[] = blocksFromBuckets(input.buckets, rowIndex, blockMs)
  let maxCount = 1
  for (const block of blocks) if (block.count > maxCount) maxCount = block.count
  const blockLayers = new Map<RunStatus, LayerBuilder>()
  for (const block of blocks) {
    hit.blocks[block.row]?.push(block)
    for (const segment of stackBlock(block, maxCount)) {
      let layer = blockLayers.get(segment.status)
      if (!layer) {
        layer = new LayerBuilder(`block:${segment.status}`, { fill: colors[segment.status], opacity: 0.72 }, 1, blocks.length)
        blockLayers.set(segment.status, layer)
      }
      // A hair of gap between neighbouring blocks keeps them readable as counts, not one smear.
      layer.add(block.row, block.start, block.end - blockMs * 0.15, segment.y0, segment.y1)
    }
  }

  // Jobs waiting now: outlines, as the status language draws what waits rather than runs.
  const queuedOutline = new LayerBuilder('waiting:queued', { fill: 'none', stroke: colors.queued, lineWidth: 1, lineDash: [3, 2] }, 4, 8)
  const retryingOutline = new LayerBuilder('waiting:retrying', { fill: 'none', stroke: colors.retrying, lineWidth: 1.5 }, 4, 8)
  for (const job of input.waiting) {
    const row = rowIndex.get(rowKeyOf(job, input.groupBy))
    if (row === undefined) continue
    hit.waiting[row]?.push(job)
    ;(job.status === 'retrying' ? retryingOutline : queuedOutline).add(row, job.start, job.end, 0.12, 0.88)
  }

  // Overlaps: a red wash over the span in every row holding one of the runs, and a marker.
  const wash = new LayerBuilder('overlap:wash', { fill: input.overlapColor, opacity: 0.16, stroke: input.overlapColor, lineWidth: 1 }, 3, 8)
  const marker = new LayerBuilder('overlap:marker', { fill: input.overlapColor }, 5, 8)
  const byId = new Map(input.items.map((item) => [item.id, item]))
  for (const overlap of input.overlaps) {
    const overlapRows = new Set<number>()
    for (const id of overlap.runIds) {
      const item = byId.get(id)
      const row = item ? rowIndex.get(rowKeyOf(item, input.groupBy)) : undefined
      if (row !== undefined) overlapRows.add(row)
    }
    for (const row of overlapRows) {
      wash.add(row, overlap.start, overlap.end, -0.3, 1.3)
      marker.add(row, overlap.start, overlap.start, -0.3, 0.12)
      hit.overlaps[row]?.push({ overlap })
    }
  }

  // NaN start and end: drawn at the scene's `now` when rendered, so the clock needs no rebuild.
  const nowLine = new LayerBuilder('now', { fill: input.nowColor, opacity: 0.7 }, 1, 1)
  nowLine.add(-1, NaN, NaN, 0, 1)

  const layers = [
    waits,
    ...blockLayers.values(),
    ...bars.values(),
    runningEdge,
    running,
    queuedOutline,
    retryingOutline,
    wash,
    marker,
    nowLine,
  ]
    .map((b) => b.build())
    .filter((l) => l.count > 0)
  return { rows, layers, hit, now: input.now, blocks: blocks.length, itemCount: n }
}

export interface PlotMapping {
  /** Pixel x of time 0 relative to the origin and pixels per ms. */
  originX: number
  originT: number
  pxPerMs: number
  /** Pixel y of row 0's centre, and the row pitch. */
  row0Y: number
  band: number
  /** The bar box height inside a band. */
  box: number
  clip: { x: number; y: number; width: number; height: number }
}

export const MAX_BOX_PX = 18

/** Pixel rects (x, y, w, h) of one layer, clipped to the plot; the hot loop of every frame. */
export function layerRects(layer: Layer, map: PlotMapping, now: number): { rects: Float32Array; count: number } {
  const { data } = layer
  const out = new Float32Array(layer.count * 4)
  const left = map.clip.x
  const right = map.clip.x + map.clip.width
  const top = map.clip.y - map.band
  const bottom = map.clip.y + map.clip.height + map.band
  let count = 0
  for (let i = 0; i < layer.count; i++) {
    const o = i * STRIDE
    const row = data[o] as number
    const startRaw = data[o + 1] as number
    const start = Number.isNaN(startRaw) ? now : startRaw
    const endRaw = data[o + 2] as number
    const end = Number.isNaN(endRaw) ? Math.max(now, start) : endRaw
    let x0 = map.originX + (start - map.originT) * map.pxPerMs
    let x1 = map.originX + (end - map.originT) * map.pxPerMs
    if (x1 - x0 < layer.minWidthPx) x1 = x0 + layer.minWidthPx
    if (x1 < left || x0 > right) continue
    if (x0 < left) x0 = left
    if (x1 > right) x1 = right
    let y: number
    let h: number
    if (row < 0) {
      y = map.clip.y
      h = map.clip.height
    } else {
      const centre = map.row0Y + row * map.band
      if (centre < top || centre > bottom) continue
      const boxTop = centre - map.box / 2
      y = boxTop + (data[o + 3] as number) * map.box
      h = ((data[o + 4] as number) - (data[o + 3] as number)) * map.box
    }
    const c = count * 4
    out[c] = x0
    out[c + 1] = y
    out[c + 2] = x1 - x0
    out[c + 3] = h
    count++
  }
  return { rects: out, count }
}

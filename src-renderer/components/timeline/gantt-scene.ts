// What the Gantt draws, as a few layers of rects in data coordinates (row, start, end and a
// vertical span inside the row's bar box), one layer per fill style. The chart turns each layer
// into ONE canvas path, so drawing cost grows with the number of rects, not of elements.
// Failures are drawn last of the runs, at least FAILED_MIN_PX wide, with a thin failure-density
// row under each group; overlaps are hatched in their own ink with a diamond at their start.
// Source runs (other systems' rows): a start Jobdeck only observed is a hatched, dashed start
// edge; a start not known at all is a point at the finish; a stuck one is outlined, dashed.
import type { RunStatus, TimelineBuckets, TimelineItem } from '../../../src-shared/domain'
import type { AnyStatus } from '../../status'
import {
  blocksFromBuckets,
  DENSITY_LEVELS,
  emptyHitIndex,
  failureDensity,
  rowKeyOf,
  stackBlock,
  type Block,
  type GroupBy,
  type HitIndex,
  type Overlap,
  type WaitingBar,
} from './gantt-data'
import { mergeRects } from './merge-rects'
import { LayerBuilder, STRIDE, type Layer } from './gantt-layer'
import { AXIS_ROW } from './gantt-ahead'

export { LayerBuilder, STRIDE, type Layer, type LayerShape, type LayerStyle } from './gantt-layer'

/** Blocks of bucketed runs are this many pixels wide (the server buckets per pixel). */
export const BLOCK_PX = 3
/** A failed run is never narrower than this, whatever the zoom: it must not vanish among successes. */
export const FAILED_MIN_PX = 3
/** The failure-density row: a strip just under each group's bars (fractions of the bar box). */
export const DENSITY_Y0 = 1.1
export const DENSITY_Y1 = 1.32
/** Opacity of each density level, 1 … DENSITY_LEVELS. */
export const DENSITY_OPACITY: readonly number[] = [0.4, 0.7, 1]
/** The overlap marker: a diamond this many pixels across, centred on the overlap's start. */
export const DIAMOND_PX = 9
/** A source run's observed start: a hatched edge this many pixels wide. */
export const OBSERVED_EDGE_PX = 6
/** A source run first seen finished (start unknown): a point this many pixels across at its finish. */
export const UNKNOWN_POINT_PX = 8

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
  buckets: readonly TimelineBuckets[]
  bucketMs: number
  overlaps: readonly Overlap[]
  waiting: readonly WaitingBar[]
  now: number
  colors: Record<AnyStatus, string>
  overlapColor: string
  /** Drawn round the overlap diamond, so it stands out on any bar. */
  backgroundColor: string
  nowColor: string
}

/** Finished runs in drawing order; failed is not among them: it is drawn over everything else. */
const FINISHED: readonly RunStatus[] = ['succeeded', 'partial', 'canceled', 'interrupted']

export function buildScene(input: SceneInput): GanttScene {
  const { rows, colors } = input
  const rowIndex = new Map(rows.map((row, i) => [row, i]))
  const hit = emptyHitIndex(rows.length)
  const n = input.items.length

  const waits = new LayerBuilder('wait', { fill: colors.queued, opacity: 0.38 }, 0, n)
  const bars = new Map<RunStatus, LayerBuilder>(FINISHED.map((s) => [s, new LayerBuilder(`bar:${s}`, { fill: colors[s] }, 1, 16)]))
  const failedBars = new LayerBuilder('bar:failed', { fill: colors.failed }, FAILED_MIN_PX, 16)
  const running = new LayerBuilder('bar:running', { fill: colors.running }, 2, 8)
  const runningEdge = new LayerBuilder('edge:running', { fill: colors.running, opacity: 0.35 }, 0, 8)
  const observedEdge = new LayerBuilder('start:observed', { fill: 'none', hatch: input.backgroundColor, stroke: colors.queued, lineWidth: 1, lineDash: [2, 2] }, OBSERVED_EDGE_PX, 8)
  const unknownPoints = new Map<RunStatus, LayerBuilder>()
  const stuckOutline = new LayerBuilder('stuck', { fill: 'none', stroke: colors.partial, lineWidth: 2, lineDash: [5, 3] }, 4, 8)

  for (const item of input.items) {
    const row = rowIndex.get(rowKeyOf(item, input.groupBy))
    if (row === undefined) continue
    hit.items[row]?.push(item)
    if (item.startKind === 'unknown' && item.finishedAt !== null) {
      // No span to draw: a point at its finish, in its status's colour.
      let points = unknownPoints.get(item.status)
      if (!points) {
        points = new LayerBuilder(`point:${item.status}`, { fill: colors[item.status], stroke: input.backgroundColor, lineWidth: 1 }, UNKNOWN_POINT_PX, 8, 'diamond')
        unknownPoints.set(item.status, points)
      }
      points.add(row, item.finishedAt, item.finishedAt, 0.5, 0.5)
      continue
    }
    if (item.startKind === 'observed') observedEdge.add(row, item.startedAt, item.startedAt, -0.1, 1.1)
    if (item.stuck) stuckOutline.add(row, item.startedAt, NaN, -0.22, 1.22)
    if (item.queuedAt < item.startedAt) waits.add(row, item.queuedAt, item.startedAt, 0.34, 0.66)
    if (item.finishedAt === null) {
      running.add(row, item.startedAt, NaN, 0, 1)
      // A faint halo at the growing end says "still going".
      runningEdge.add(row, item.startedAt, NaN, -0.18, 1.18)
    } else if (item.status === 'failed') {
      failedBars.add(row, item.startedAt, item.finishedAt, 0, 1)
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
  // Failed segments in full colour, over the bars, so a red cap never fades to a pink edge.
  const failedBlocks = new LayerBuilder('block:failed', { fill: colors.failed }, 1, 16)
  for (const block of blocks) {
    hit.blocks[block.row]?.push(block)
    for (const segment of stackBlock(block, maxCount)) {
      let layer = segment.status === 'failed' ? failedBlocks : blockLayers.get(segment.status)
      if (!layer) {
        layer = new LayerBuilder(`block:${segment.status}`, { fill: colors[segment.status], opacity: 0.72 }, 1, blocks.length)
        blockLayers.set(segment.status, layer)
      }
      // A hair of gap between neighbouring blocks keeps them readable as counts, not one smear.
      layer.add(block.row, block.start, block.end - blockMs * 0.15, segment.y0, segment.y1)
    }
  }

  // The failure-density row under each group, one layer per level (a layer has one opacity).
  const density = DENSITY_OPACITY.slice(0, DENSITY_LEVELS).map(
    (opacity, i) => new LayerBuilder(`density:${i + 1}`, { fill: colors.failed, opacity }, 2, 16),
  )
  const rowOfItem = (item: TimelineItem): number | undefined => rowIndex.get(rowKeyOf(item, input.groupBy))
  for (const cell of failureDensity(input.items, blocks, rowOfItem, blockMs)) {
    density[cell.level - 1]?.add(cell.row, cell.start, cell.end - blockMs * 0.15, DENSITY_Y0, DENSITY_Y1)
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

  // Overlaps: a hatched wash over the span in every row holding one of the runs, and a diamond
  // at its start, in the overlap ink (no status uses it: an overlap is not a failure).
  const wash = new LayerBuilder('overlap:wash', { fill: 'none', hatch: input.overlapColor, stroke: input.overlapColor, lineWidth: 1, lineDash: [4, 2] }, 3, 8)
  const marker = new LayerBuilder('overlap:marker', { fill: input.overlapColor, stroke: input.backgroundColor, lineWidth: 1.5 }, DIAMOND_PX, 8, 'diamond')
  const byId = new Map(input.items.map((item) => [item.id, item]))
  for (const overlap of input.overlaps) {
    const overlapRows = new Set<number>()
    for (const id of overlap.runIds) {
      const item = byId.get(id)
      const row = item ? rowIndex.get(rowKeyOf(item, input.groupBy)) : undefined
      if (row !== undefined) overlapRows.add(row)
    }
    for (const row of overlapRows) {
      // Across systems (a source beside another) is news, not a broken limit: its diamond, no wash,
      // or a busy mix of sources and Jobdeck's own would hatch the whole chart.
      if (!overlap.origins) wash.add(row, overlap.start, overlap.end, -0.3, 1.3)
      marker.add(row, overlap.start, overlap.start, 0, 0)
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
    failedBlocks,
    failedBars,
    observedEdge,
    ...unknownPoints.values(),
    stuckOutline,
    ...density,
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
/** Layers of more rects than this are merged where they overlap (merge-rects.ts). */
const MERGE_FROM = 256

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
    if (layer.shape === 'diamond') {
      // Centred on its start and square, whatever the span.
      x0 -= layer.minWidthPx / 2
      x1 = x0 + layer.minWidthPx
    } else if (x1 - x0 < layer.minWidthPx) x1 = x0 + layer.minWidthPx
    if (x1 < left || x0 > right) continue
    const diamond = layer.shape === 'diamond'
    // A diamond keeps its shape at the edges (the series clips it); a rect is cut to the plot.
    if (x0 < left && !diamond) x0 = left
    if (x1 > right && !diamond) x1 = right
    let y: number
    let h: number
    if (row === AXIS_ROW) {
      // A mark on the time axis: just inside the plot's top edge.
      y = map.clip.y + 1
      h = layer.minWidthPx
    } else if (row < 0) {
      y = map.clip.y
      h = map.clip.height
    } else {
      const centre = map.row0Y + row * map.band
      if (centre < top || centre > bottom) continue
      const boxTop = centre - map.box / 2
      y = boxTop + (data[o + 3] as number) * map.box
      h = ((data[o + 4] as number) - (data[o + 3] as number)) * map.box
      if (diamond) {
        // Square, centred on the y0 line (the bar box's top edge for the overlap marker).
        h = layer.minWidthPx
        y -= h / 2
      }
    }
    const c = count * 4
    out[c] = x0
    out[c + 1] = y
    out[c + 2] = x1 - x0
    out[c + 3] = h
    count++
  }
  // A handful is drawn as it is; many (a day of upcoming fires) are merged where they overlap.
  return { rects: out, count: count > MERGE_FROM ? mergeRects(out, count, layer.shape === 'diamond') : count }
}

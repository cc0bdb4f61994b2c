// Pure data shaping for the timeline Gantt: rows, pixel-sized blocks of bucketed runs, overlaps
// in lanes, hit-testing and tooltip words. No DOM and no ECharts here, so all of it is unit-tested.
import { BUCKET_STRIDE, RUN_STATUSES, type RunStatus, type TimelineBuckets, type TimelineItem } from '../../../src-shared/domain'
import { laneEntry } from '../../../src-shared/lane-pattern'

export type GroupBy = 'type' | 'lane'

export interface TimeWindow {
  since: number
  until: number
}

/** How long one pixel of the plot lasts: what `timeline.range` buckets sub-pixel runs by. */
export function bucketMsFor(window: TimeWindow, plotWidthPx: number): number {
  return Math.max(1, (window.until - window.since) / Math.max(1, Math.round(plotWidthPx)))
}

export function rowKeyOf(item: { type: string; lane: string }, groupBy: GroupBy): string {
  return groupBy === 'lane' ? item.lane : item.type
}

/** The end a bar is drawn to: its finish, or now while it runs. */
export function endOf(item: TimelineItem, now: number): number {
  return item.finishedAt ?? Math.max(now, item.startedAt)
}

export function overlapsWindow(item: TimelineItem, window: TimeWindow, now: number): boolean {
  return item.startedAt < window.until && endOf(item, now) > window.since
}

/**
 * A row's label: a source's rows (type `legacy/report`, or lane `legacy` / `legacy:tenant`) read
 * `⇄ legacy · report`, the badge's mark in the canvas; Jobdeck's own rows as they are.
 */
export function rowLabel(row: string, groupBy: GroupBy, sources: ReadonlySet<string>): string {
  const at = row.indexOf(groupBy === 'type' ? '/' : ':')
  const source = at === -1 ? row : row.slice(0, at)
  if (groupBy === 'type' ? at === -1 : !sources.has(source)) return row
  return at === -1 ? `⇄ ${source}` : `⇄ ${source} · ${row.slice(at + 1)}`
}

/** Rows seen so far plus new ones, sorted; the same array back when nothing is new (rows do not jump). */
export function mergeRows(known: readonly string[], more: Iterable<string>): readonly string[] {
  const set = new Set(known)
  let added = false
  for (const row of more) {
    if (!set.has(row)) {
      set.add(row)
      added = true
    }
  }
  return added ? [...set].sort() : known
}

// ── blocks: what a few pixels of bucketed runs draw as ─────────────────────────────────────

export interface Block {
  row: number
  start: number
  end: number
  count: number
  byStatus: Partial<Record<RunStatus, number>>
}

/**
 * Folds the server's one-pixel buckets into blocks `blockMs` wide (aligned to multiples of it),
 * one per row and block: a 24 h range of 100k runs draws as a few thousand stacked blocks.
 */
export function blocksFromBuckets(
  buckets: readonly TimelineBuckets[],
  rowIndex: ReadonlyMap<string, number>,
  blockMs: number,
): Block[] {
  const width = Math.max(1, blockMs)
  const out: Block[] = []
  for (const { row: name, bucketMs, counts } of buckets) {
    const row = rowIndex.get(name)
    if (row === undefined) continue
    const rowBlocks = new Map<number, Block>()
    for (let at = 0; at + BUCKET_STRIDE <= counts.length; at += BUCKET_STRIDE) {
      let count = 0
      for (let s = 1; s < BUCKET_STRIDE; s++) count += counts[at + s] as number
      if (count <= 0) continue
      const start = (counts[at] as number) * bucketMs
      const index = Math.floor(start / width)
      let block = rowBlocks.get(index)
      if (!block) {
        block = { row, start: index * width, end: (index + 1) * width, count: 0, byStatus: {} }
        rowBlocks.set(index, block)
        out.push(block)
      }
      block.count += count
      for (let s = 0; s < RUN_STATUSES.length; s++) {
        const n = counts[at + 1 + s] as number
        if (n) {
          const status = RUN_STATUSES[s] as RunStatus
          block.byStatus[status] = (block.byStatus[status] ?? 0) + n
        }
      }
      // A bucket can be longer than a block when the server's bucket was wider than ours.
      if (start + bucketMs > block.end) block.end = start + bucketMs
    }
  }
  return out
}

/** `37 runs: 35 succeeded, 2 failed` — counts in the status order used everywhere. */
export function describeCounts(byStatus: Partial<Record<RunStatus, number>>): string {
  const parts: string[] = []
  let total = 0
  for (const status of RUN_STATUSES) {
    const n = byStatus[status] ?? 0
    if (n > 0) {
      parts.push(`${n.toLocaleString('en-US')} ${status}`)
      total += n
    }
  }
  return `${total.toLocaleString('en-US')} ${total === 1 ? 'run' : 'runs'}${parts.length ? `: ${parts.join(', ')}` : ''}`
}

/** Bottom-to-top stacking order of a block: problems on top, where the eye lands. */
export const BLOCK_STACK: readonly RunStatus[] = ['succeeded', 'running', 'canceled', 'partial', 'interrupted', 'failed']

export interface StackSegment {
  status: RunStatus
  /** Fractions of the bar box height, 0 = top, 1 = bottom. */
  y0: number
  y1: number
}

/** A failure's share of a block's height is at least this: one failed run among hundreds is a red cap, not a 1-px edge. */
export const FAILED_MIN_SHARE = 0.25

/**
 * A block's stacked segments: total height grows with the log of its count (relative to the
 * fullest block in view); each status gets its share, problems at least `minShare` (failures
 * at least FAILED_MIN_SHARE) so a single failure among hundreds still shows.
 */
export function stackBlock(block: Block, maxCount: number, minShare = 0.07): StackSegment[] {
  const height = 0.3 + 0.7 * (Math.log1p(block.count) / Math.log1p(Math.max(block.count, maxCount, 1)))
  const shares = BLOCK_STACK.map((status) => {
    const n = block.byStatus[status] ?? 0
    if (n === 0) return 0
    const share = n / block.count
    if (status === 'succeeded' || status === 'running') return share
    return Math.max(share, status === 'failed' ? FAILED_MIN_SHARE : minShare)
  })
  const sum = shares.reduce((a, b) => a + b, 0) || 1
  const segments: StackSegment[] = []
  let bottom = 1
  for (const [i, status] of BLOCK_STACK.entries()) {
    const share = shares[i] ?? 0
    if (share === 0) continue
    const h = (share / sum) * height
    segments.push({ status, y0: bottom - h, y1: bottom })
    bottom -= h
  }
  return segments
}

// ── failure density ────────────────────────────────────────────────────────────────────────

export interface DensityCell {
  row: number
  start: number
  end: number
  failed: number
  /** 1 (a failure or a few) … DENSITY_LEVELS (the most failures per cell in view). */
  level: number
}

export const DENSITY_LEVELS = 3

/**
 * Failures per row and time cell (`cellMs` wide, aligned to multiples of it), from listed runs
 * and bucketed counts alike: the thin row under each group's bars that says where failures
 * cluster, however dense the bars above it are. Levels grow with the log of the count relative
 * to the fullest cell, and even one failure is level 1.
 */
export function failureDensity(
  items: readonly TimelineItem[],
  blocks: readonly Block[],
  rowOf: (item: TimelineItem) => number | undefined,
  cellMs: number,
): DensityCell[] {
  const width = Math.max(1, cellMs)
  const cells = new Map<string, DensityCell>()
  const add = (row: number, at: number, n: number): void => {
    const index = Math.floor(at / width)
    const key = `${row}:${index}`
    const cell = cells.get(key)
    if (cell) cell.failed += n
    else cells.set(key, { row, start: index * width, end: (index + 1) * width, failed: n, level: 1 })
  }
  for (const item of items) {
    if (item.status !== 'failed') continue
    const row = rowOf(item)
    if (row !== undefined) add(row, item.finishedAt ?? item.startedAt, 1)
  }
  for (const block of blocks) {
    const n = block.byStatus.failed ?? 0
    if (n > 0) add(block.row, block.start, n)
  }
  const out = [...cells.values()]
  let max = 1
  for (const cell of out) if (cell.failed > max) max = cell.failed
  for (const cell of out) cell.level = Math.max(1, Math.ceil((DENSITY_LEVELS * Math.log1p(cell.failed)) / Math.log1p(max)))
  return out.sort((a, b) => a.row - b.row || a.start - b.start)
}

// ── overlaps ───────────────────────────────────────────────────────────────────────────────

export interface Overlap {
  /** The lane that ran more runs at once than its limit allows (across sources: `legacy × Jobdeck`). */
  lane: string
  limit: number
  start: number
  end: number
  /** The most runs at once during the span. */
  peak: number
  runIds: string[]
  /** Across sources (source-overlaps.ts): the systems whose runs ran at once, Jobdeck's own as `Jobdeck`; absent for a lane's overlap. */
  origins?: string[]
}

/** Exact lane key first, then the first `*` pattern in file order (`dealer:*`), else 1 (as the runner does). */
export function laneLimit(lanes: Readonly<Record<string, number>>, lane: string): number {
  return laneEntry(lanes, lane) ?? 1
}

/**
 * Spans where a lane ran more runs at once than its limit: a sweep over start/end events per
 * lane, O(n log n). Touching runs (one ends as the next starts) do not overlap.
 */
export function findOverlaps(items: readonly TimelineItem[], limitOf: (lane: string) => number, now: number): Overlap[] {
  const byLane = new Map<string, TimelineItem[]>()
  for (const item of items) {
    let list = byLane.get(item.lane)
    if (!list) {
      list = []
      byLane.set(item.lane, list)
    }
    list.push(item)
  }
  const out: Overlap[] = []
  for (const [lane, list] of byLane) {
    if (list.length < 2) continue
    const limit = Math.max(1, limitOf(lane))
    // Ends sort before starts at the same instant.
    const events: Array<{ at: number; delta: 1 | -1; item: TimelineItem }> = []
    for (const item of list) {
      const end = endOf(item, now)
      // A run first seen finished has no known span: it cannot be said to overlap anything.
      if (end <= item.startedAt || item.startKind === 'unknown') continue
      events.push({ at: item.startedAt, delta: 1, item }, { at: end, delta: -1, item })
    }
    events.sort((a, b) => a.at - b.at || a.delta - b.delta)
    const active = new Set<TimelineItem>()
    let current: Overlap | null = null
    let involved: Set<string> | null = null
    for (const event of events) {
      if (event.delta === 1) active.add(event.item)
      else active.delete(event.item)
      if (active.size > limit) {
        if (!current || !involved) {
          involved = new Set()
          current = { lane, limit, start: event.at, end: event.at, peak: 0, runIds: [] }
        }
        for (const a of active) involved.add(a.id)
        current.peak = Math.max(current.peak, active.size)
      } else if (current && involved) {
        current.end = event.at
        current.runIds = [...involved]
        out.push(current)
        current = null
        involved = null
      }
    }
  }
  return out.sort((a, b) => a.start - b.start)
}

// ── hit-testing ────────────────────────────────────────────────────────────────────────────

export interface WaitingBar {
  id: string
  type: string
  lane: string
  status: 'queued' | 'retrying'
  /** NaN: from now (a retry waiting for its backoff). */
  start: number
  /** NaN: up to now (a queued job still waiting). */
  end: number
  reason: string
}

export type Hit =
  | { kind: 'run'; item: TimelineItem }
  | { kind: 'block'; block: Block; rowKey: string }
  | { kind: 'overlap'; overlap: Overlap }
  | { kind: 'waiting'; job: WaitingBar }

export interface HitIndex {
  items: TimelineItem[][]
  blocks: Block[][]
  overlaps: Array<Array<{ overlap: Overlap }>>
  waiting: WaitingBar[][]
}

export function emptyHitIndex(rows: number): HitIndex {
  const make = <T>(): T[][] => Array.from({ length: rows }, () => [])
  return { items: make(), blocks: make(), overlaps: make(), waiting: make() }
}

/**
 * What is under the pointer at time `t` in row `row`, `slopMs` either side (a couple of pixels):
 * a run first (the shortest, the one drawn on top), then an overlap marker, then a block.
 */
export function hitTest(index: HitIndex, rows: readonly string[], row: number, t: number, slopMs: number, now: number): Hit | null {
  const rowKey = rows[row]
  if (rowKey === undefined) return null
  let best: TimelineItem | null = null
  let bestLength = Infinity
  for (const item of index.items[row] ?? []) {
    const end = endOf(item, now)
    // A run whose start is unknown is drawn as a point at its finish: found there only.
    const start = item.startKind === 'unknown' ? end : item.startedAt
    if (start - slopMs <= t && t <= end + slopMs) {
      const length = end - start
      if (length < bestLength) {
        best = item
        bestLength = length
      }
    }
  }
  if (best) return { kind: 'run', item: best }
  for (const job of index.waiting[row] ?? []) {
    const start = Number.isNaN(job.start) ? now : job.start
    const end = Number.isNaN(job.end) ? now : job.end
    if (start - slopMs <= t && t <= end + slopMs) return { kind: 'waiting', job }
  }
  for (const { overlap } of index.overlaps[row] ?? []) {
    if (overlap.start - slopMs <= t && t <= overlap.end + slopMs) return { kind: 'overlap', overlap }
  }
  for (const block of index.blocks[row] ?? []) {
    if (block.start - slopMs <= t && t <= block.end + slopMs) return { kind: 'block', block, rowKey }
  }
  return null
}

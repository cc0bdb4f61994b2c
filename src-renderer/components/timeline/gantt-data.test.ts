import { describe, expect, it } from 'vitest'
import type { RunStatus, TimelineItem } from '../../../src-shared/domain'
import { packBuckets } from '../../test-support/timeline-buckets'
import {
  blocksFromBuckets,
  bucketMsFor,
  describeCounts,
  emptyHitIndex,
  findOverlaps,
  hitTest,
  rowLabel,
  laneLimit,
  mergeRows,
  stackBlock,
} from './gantt-data'

const item = (id: string, lane: string, startedAt: number, finishedAt: number | null, extra: Partial<TimelineItem> = {}): TimelineItem => ({
  id,
  jobId: `j-${id}`,
  type: 't',
  lane,
  status: finishedAt === null ? 'running' : 'succeeded',
  attempt: 1,
  queuedAt: startedAt,
  startedAt,
  finishedAt,
  ...extra,
})

describe('bucketMsFor', () => {
  it('is the time one pixel of the plot covers', () => {
    expect(bucketMsFor({ since: 0, until: 86_400_000 }, 1200)).toBe(72_000)
    expect(bucketMsFor({ since: 0, until: 3_600_000 }, 1000)).toBe(3600)
  })
  it('never goes below 1 ms nor divides by zero', () => {
    expect(bucketMsFor({ since: 0, until: 10 }, 1000)).toBe(1)
    expect(bucketMsFor({ since: 0, until: 5000 }, 0)).toBe(5000)
  })
})

describe('blocksFromBuckets', () => {
  const rows = new Map([
    ['a', 0],
    ['b', 1],
  ])
  const bucket = (row: string, start: number, byStatus: Partial<Record<RunStatus, number>>) => ({ row, start, byStatus })

  it('folds one-pixel buckets into wider blocks per row, adding counts per status', () => {
    const blocks = blocksFromBuckets(
      packBuckets(10, [bucket('a', 0, { succeeded: 3 }), bucket('a', 10, { succeeded: 1, failed: 2 }), bucket('a', 30, { succeeded: 1 }), bucket('b', 0, { partial: 1 })]),
      rows,
      30,
    )
    expect(blocks).toHaveLength(3)
    const first = blocks.find((b) => b.row === 0 && b.start === 0)
    expect(first).toMatchObject({ start: 0, end: 30, count: 6, byStatus: { succeeded: 4, failed: 2 } })
    expect(blocks.find((b) => b.row === 0 && b.start === 30)?.count).toBe(1)
    expect(blocks.find((b) => b.row === 1)?.byStatus).toEqual({ partial: 1 })
  })

  it('skips buckets of rows it does not know and empty buckets', () => {
    expect(blocksFromBuckets(packBuckets(10, [bucket('zzz', 0, { succeeded: 1 }), bucket('a', 0, {})]), rows, 30)).toEqual([])
  })
})

describe('describeCounts', () => {
  it('says how many runs and of which status, in the usual status order', () => {
    expect(describeCounts({ failed: 2, succeeded: 35 })).toBe('37 runs: 35 succeeded, 2 failed')
    expect(describeCounts({ failed: 1 })).toBe('1 run: 1 failed')
    expect(describeCounts({ succeeded: 1200 })).toBe('1,200 runs: 1,200 succeeded')
  })
})

describe('stackBlock', () => {
  it('stacks statuses bottom-up with problems on top, and keeps a lone failure visible', () => {
    const segments = stackBlock({ row: 0, start: 0, end: 1, count: 1000, byStatus: { succeeded: 999, failed: 1 } }, 1000)
    expect(segments.map((s) => s.status)).toEqual(['succeeded', 'failed'])
    const failed = segments[1]
    const ok = segments[0]
    expect(ok?.y1).toBe(1)
    expect(failed && failed.y1 - failed.y0).toBeGreaterThanOrEqual(0.06)
    expect(failed?.y1).toBeCloseTo(ok?.y0 ?? NaN)
  })
  it('grows with the count relative to the fullest block', () => {
    const small = stackBlock({ row: 0, start: 0, end: 1, count: 1, byStatus: { succeeded: 1 } }, 500)
    const full = stackBlock({ row: 0, start: 0, end: 1, count: 500, byStatus: { succeeded: 500 } }, 500)
    const h = (s: typeof small): number => (s[0]?.y1 ?? 0) - (s[0]?.y0 ?? 0)
    expect(h(full)).toBeCloseTo(1)
    expect(h(small)).toBeLessThan(h(full))
    expect(h(small)).toBeGreaterThanOrEqual(0.3)
  })
})

describe('laneLimit', () => {
  const lanes = { reports: 2, 'dealer:*': 1, 'wh:*': 3 }
  it('takes the exact lane, then the first matching pattern, else 1', () => {
    expect(laneLimit(lanes, 'reports')).toBe(2)
    expect(laneLimit(lanes, 'wh:north')).toBe(3)
    expect(laneLimit(lanes, 'dealer:1')).toBe(1)
    expect(laneLimit(lanes, 'other')).toBe(1)
    expect(laneLimit(lanes, 'wh.north')).toBe(1)
  })
})

describe('findOverlaps', () => {
  const one = (): number => 1

  it('finds runs at once in a limit-1 lane and names them', () => {
    const overlaps = findOverlaps([item('a', 'L', 0, 100), item('b', 'L', 50, 150), item('c', 'L', 200, 300)], one, 1000)
    expect(overlaps).toEqual([{ lane: 'L', limit: 1, start: 50, end: 100, peak: 2, runIds: ['a', 'b'] }])
  })

  it('does not count runs that only touch, or runs in different lanes', () => {
    expect(findOverlaps([item('a', 'L', 0, 100), item('b', 'L', 100, 200), item('c', 'M', 50, 150)], one, 1000)).toEqual([])
  })

  it('respects a lane limit above 1', () => {
    const runs = [item('a', 'R', 0, 100), item('b', 'R', 10, 100), item('c', 'R', 20, 30)]
    expect(findOverlaps(runs, () => 2, 1000)).toEqual([{ lane: 'R', limit: 2, start: 20, end: 30, peak: 3, runIds: ['a', 'b', 'c'] }])
    expect(findOverlaps(runs.slice(0, 2), () => 2, 1000)).toEqual([])
  })

  it('merges a chain of overlapping runs into one span and counts a running run up to now', () => {
    const overlaps = findOverlaps([item('a', 'L', 0, 100), item('b', 'L', 90, 200), item('c', 'L', 190, null)], one, 500)
    expect(overlaps).toHaveLength(2)
    expect(overlaps[1]).toMatchObject({ start: 190, end: 200, runIds: ['b', 'c'] })
    // Still running at 500: no overlap once b finished.
    expect(findOverlaps([item('c', 'L', 190, null), item('d', 'L', 600, 700)], one, 500)).toEqual([])
  })
})

describe('mergeRows', () => {
  it('returns the same array when nothing is new, a sorted union otherwise', () => {
    const known = ['a', 'c']
    expect(mergeRows(known, ['c', 'a'])).toBe(known)
    expect(mergeRows(known, ['b'])).toEqual(['a', 'b', 'c'])
  })
})

describe('hitTest', () => {
  it('prefers the shortest run under the pointer, then blocks, within the slop', () => {
    const index = emptyHitIndex(2)
    const long = item('long', 'L', 0, 1000)
    const short = item('short', 'L', 400, 420)
    index.items[0]?.push(long, short)
    index.blocks[1]?.push({ row: 1, start: 100, end: 200, count: 3, byStatus: { succeeded: 3 } })
    const rows = ['r0', 'r1']
    expect(hitTest(index, rows, 0, 410, 1, 0)).toEqual({ kind: 'run', item: short })
    expect(hitTest(index, rows, 0, 600, 1, 0)).toEqual({ kind: 'run', item: long })
    expect(hitTest(index, rows, 0, 1003, 2, 0)).toBeNull()
    expect(hitTest(index, rows, 0, 1001, 2, 0)).toEqual({ kind: 'run', item: long })
    expect(hitTest(index, rows, 1, 150, 1, 0)).toMatchObject({ kind: 'block', rowKey: 'r1' })
    expect(hitTest(index, rows, 5, 150, 1, 0)).toBeNull()
  })
  it('treats a running run as reaching now', () => {
    const index = emptyHitIndex(1)
    const running = item('r', 'L', 0, null)
    index.items[0]?.push(running)
    expect(hitTest(index, ['r0'], 0, 900, 1, 1000)).toEqual({ kind: 'run', item: running })
    expect(hitTest(index, ['r0'], 0, 1100, 1, 1000)).toBeNull()
  })
  it('finds a source run whose start is unknown at its finish only, where its point is drawn', () => {
    const index = emptyHitIndex(1)
    const point = { ...item('legacy:1/run', 'L', 0, 1000), startKind: 'unknown' as const }
    index.items[0]?.push(point)
    expect(hitTest(index, ['r0'], 0, 500, 2, 2000)).toBeNull()
    expect(hitTest(index, ['r0'], 0, 999, 2, 2000)).toEqual({ kind: 'run', item: point })
  })
})

describe('rowLabel', () => {
  it("marks a source's rows with the badge's sign, by type and by lane; Jobdeck's own rows stay as they are", () => {
    const sources = new Set(['legacy'])
    expect(rowLabel('legacy/report', 'type', sources)).toBe('⇄ legacy · report')
    expect(rowLabel('fetch-prospects', 'type', sources)).toBe('fetch-prospects')
    expect(rowLabel('legacy', 'lane', sources)).toBe('⇄ legacy')
    expect(rowLabel('legacy:tenant-7', 'lane', sources)).toBe('⇄ legacy · tenant-7')
    expect(rowLabel('dealer:42', 'lane', sources)).toBe('dealer:42')
  })
})

import { describe, expect, it } from 'vitest'
import type { TimelineItem } from '../../../src-shared/domain'
import { findOverlaps, laneLimit } from './gantt-data'
import { findSourceOverlaps } from './source-overlaps'

const item = (id: string, type: string, lane: string, startedAt: number, finishedAt: number | null, over: Partial<TimelineItem> = {}): TimelineItem => ({
  id,
  jobId: id,
  type,
  lane,
  status: 'succeeded',
  attempt: 1,
  queuedAt: startedAt,
  startedAt,
  finishedAt,
  ...over,
})

describe('overlaps of source rows on the Timeline', () => {
  it("flags a source's rows running at once in its lane (limit 1 unless configured), as Jobdeck's own lanes are", () => {
    const items = [item('legacy:1/run', 'legacy/report', 'legacy', 0, 100), item('legacy:2/run', 'legacy/export', 'legacy', 50, 150)]
    const found = findOverlaps(items, (lane) => laneLimit({}, lane), 1000)
    expect(found).toEqual([{ lane: 'legacy', limit: 1, start: 50, end: 100, peak: 2, runIds: ['legacy:1/run', 'legacy:2/run'] }])
  })

  it("flags a source's row running at the same time as Jobdeck's own run or another source's, whatever the lanes", () => {
    const items = [
      item('legacy:1/run', 'legacy/report', 'legacy', 0, 100),
      item('own1', 'fetch', 'default', 80, 200),
      item('own2', 'sync', 'other', 90, 120),
      item('billing:9/run', 'billing/invoice', 'billing', 300, 400),
      item('legacy:3/run', 'legacy/report', 'legacy', 390, 500),
    ]
    expect(findSourceOverlaps(items, 1000)).toEqual([
      { lane: 'legacy × Jobdeck', limit: 1, start: 80, end: 100, peak: 3, runIds: ['legacy:1/run', 'own1', 'own2'], origins: ['legacy', 'Jobdeck'] },
      { lane: 'billing × legacy', limit: 1, start: 390, end: 400, peak: 2, runIds: ['billing:9/run', 'legacy:3/run'], origins: ['billing', 'legacy'] },
    ])
  })

  it("leaves Jobdeck's own runs in different lanes alone, and a row whose start is unknown (first seen finished) out", () => {
    const items = [
      item('own1', 'fetch', 'a', 0, 100),
      item('own2', 'sync', 'b', 50, 150),
      item('legacy:1/run', 'legacy/report', 'legacy', 0, 120, { startKind: 'unknown' }),
    ]
    expect(findSourceOverlaps(items, 1000)).toEqual([])
    expect(findOverlaps([...items, item('legacy:2/run', 'legacy/report', 'legacy', 10, 60)], () => 1, 1000)).toEqual([])
  })

  it('counts a stuck source row as running until now', () => {
    const items = [item('legacy:1/run', 'legacy/report', 'legacy', 0, null, { status: 'running', stuck: true }), item('own1', 'fetch', 'default', 500, 600)]
    expect(findSourceOverlaps(items, 1000).map((o) => [o.start, o.end])).toEqual([[500, 600]])
  })
})

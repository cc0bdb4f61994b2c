import { describe, expect, it } from 'vitest'
import type { TimelineItem } from '../../../src-shared/domain'
import { describeHit, overlapWhat, type TipContext } from './gantt-tip'

const T0 = Date.parse('2026-03-01T10:00:00.000Z')
const item = (over: Partial<TimelineItem>): TimelineItem => ({
  id: 'legacy:42/run',
  jobId: 'legacy:42',
  type: 'legacy/report',
  lane: 'legacy',
  status: 'succeeded',
  attempt: 1,
  queuedAt: T0,
  startedAt: T0 + 60_000,
  finishedAt: T0 + 180_000,
  ...over,
})
const ctx: TipContext = { now: T0 + 3_600_000, groupBy: 'type', typeOf: () => undefined, sourceText: (s) => `${s} · offline · synced 10:41` }
const lines = (i: TimelineItem): Map<string, string> => new Map(describeHit({ kind: 'run', item: i }, ctx).lines)

describe("the Timeline's tooltip of a source's run", () => {
  it('names the source and its state, and no attempt (its own system retries it)', () => {
    const l = lines(item({}))
    expect(l.get('Source')).toBe('legacy · offline · synced 10:41')
    expect(l.has('Attempt')).toBe(false)
    expect(l.get('Duration')).toBe('2m 00s')
  })

  it('says a start its table did not record was observed by Jobdeck, and its length a lower bound', () => {
    const i = item({ startKind: 'observed' })
    expect(lines(i).get('Started')).toMatch(/start observed by Jobdeck$/)
    expect(lines(i).get('Duration')).toBe('at least 2m 00s')
    expect(describeHit({ kind: 'run', item: i }, ctx).hint).toMatch(/^start observed by Jobdeck/)
  })

  it('says "start unknown" for a row first seen finished, with no wait or length', () => {
    const l = lines(item({ startKind: 'unknown', startedAt: T0 + 180_000 }))
    expect(l.get('Started')).toBe('start unknown')
    expect(l.has('Duration')).toBe(false)
    expect(l.has('Waited')).toBe(false)
  })

  it('flags a stuck run in words', () => {
    expect(lines(item({ status: 'running', finishedAt: null, stuck: true })).get('⚠ Stuck')).toBe('running past its stuckAfter')
  })

  it("keeps Jobdeck's own runs as they were: attempt, no source", () => {
    const l = lines(item({ id: 'r1', type: 'fetch', lane: 'default' }))
    expect(l.has('Source')).toBe(false)
    expect(l.get('Attempt')).toBe('1')
  })

  it('words an overlap across systems by the systems, a lane overlap by its limit', () => {
    const base = { lane: 'legacy', limit: 1, start: 0, end: 1, peak: 2, runIds: ['a', 'b'] }
    expect(overlapWhat(base)).toBe('2 at once · limit 1')
    expect(overlapWhat({ ...base, lane: 'legacy × Jobdeck', origins: ['legacy', 'Jobdeck'] })).toBe('2 at once · legacy × Jobdeck')
    expect(describeHit({ kind: 'overlap', overlap: { ...base, origins: ['legacy', 'Jobdeck'] } }, ctx).title).toBe('2 runs of legacy, Jobdeck at once')
  })
})

import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Overlap } from '../../../../src-shared/sources'
import { insertRuns, runIdOf, type TestRun } from '../../test-support/source-rows'
import { openTempStore, removeTempStore, type TempStore } from '../../test-support/temp-store'
import { OVERLAP_WINDOW_SQL, type OverlapQuery } from './overlap-reads'

const T0 = Date.parse('2026-03-01T00:00:00Z')

let temp: TempStore
beforeAll(() => {
  temp = openTempStore('overlaps')
})
afterAll(() => removeTempStore(temp))

function reset(runs: readonly TestRun[]): void {
  temp.db.exec(`DELETE FROM jobs; DELETE FROM type_stats`)
  insertRuns(temp.db, runs)
}

/** Every pair checked against every other: what the sweep must find. */
function bruteForce(runs: readonly TestRun[], q: OverlapQuery): Overlap[] {
  const known = runs.filter((r) => r.startKind !== 'unknown')
  const found: Array<Overlap & { ms: number; fromMs: number }> = []
  const side = (r: TestRun) => ({
    runId: runIdOf(r),
    jobId: r.source === null ? `job-${r.id}` : `${r.source}:${r.id}`,
    type: r.source === null ? r.type : `${r.source}/${r.type}`,
    lane: r.lane,
    source: r.source,
    sourceId: r.source === null ? null : r.id,
  })
  const ofSource = (r: TestRun) => q.source === undefined || (q.source === '-' ? r.source === null : r.source === q.source)
  for (let i = 0; i < known.length; i++) {
    for (let j = i + 1; j < known.length; j++) {
      let [x, y] = [known[i] as TestRun, known[j] as TestRun]
      if (y.startedAt < x.startedAt || (y.startedAt === x.startedAt && runIdOf(y) < runIdOf(x))) [x, y] = [y, x]
      const from = Math.max(x.startedAt, y.startedAt, q.since)
      const to = Math.min(x.finishedAt ?? q.now, y.finishedAt ?? q.now, q.until)
      if (to <= from) continue
      if (q.sameLane && x.lane !== y.lane) continue
      if (!ofSource(x) && !ofSource(y)) continue
      found.push({ a: side(x), b: side(y), from: new Date(from).toISOString(), to: new Date(to).toISOString(), seconds: (to - from) / 1000, sameLane: x.lane === y.lane, ms: to - from, fromMs: from })
    }
  }
  const cmp = (s: string, t: string) => (s < t ? -1 : s > t ? 1 : 0)
  return found
    .sort((p, r) => r.ms - p.ms || p.fromMs - r.fromMs || cmp(p.a.runId, r.a.runId) || cmp(p.b.runId, r.b.runId))
    .slice(0, q.limit)
    .map(({ ms: _ms, fromMs: _from, ...o }) => o)
}

/** Runs over [0, `spread`) seconds of the test's hour (a small spread: dense, many pairs of equal length). */
const testRun = (spread: number): fc.Arbitrary<Omit<TestRun, 'id'>> => fc
  .record({
    source: fc.constantFrom(null, 'legacy', 'batch'),
    lane: fc.constantFrom('default', 'dealer:1', 'legacy'),
    // Some start long before the window (beyond the longest finished run): only running ones reach it.
    start: fc.oneof(fc.integer({ min: 0, max: spread }), fc.integer({ min: -100_000, max: -50_000 })),
    length: fc.option(fc.integer({ min: 0, max: Math.max(4, Math.floor(spread / 3)) }), { freq: 4 }),
    startKind: fc.constantFrom<TestRun['startKind']>('recorded', 'observed', 'unknown'),
  })
  .map(({ source, lane, start, length, startKind }) => ({
    source,
    type: 'report',
    lane,
    status: length === null ? ('running' as const) : ('succeeded' as const),
    startedAt: T0 + start * 1000,
    finishedAt: length === null ? null : T0 + (start + length) * 1000,
    startKind: source === null ? 'recorded' : startKind,
  }))
  // A run that started long ago and finished then is outside every window; keep the data meaningful.
  .filter((r) => r.startedAt >= T0 || r.finishedAt === null)

const query = (spread: number): fc.Arbitrary<OverlapQuery> => fc
  .record({
    since: fc.integer({ min: -spread / 5, max: spread * 1.1 }),
    span: fc.integer({ min: 1, max: spread * 1.5 }),
    now: fc.integer({ min: 0, max: spread * 1.6 }),
    source: fc.constantFrom(undefined, 'legacy', 'batch', '-'),
    sameLane: fc.constantFrom(undefined, true, false),
    limit: fc.constantFrom(3, 1_000),
  })
  .map(({ since, span, now, source, sameLane, limit }) => ({
    since: T0 + since * 1000,
    until: T0 + (since + span) * 1000,
    now: T0 + now * 1000,
    ...(source !== undefined ? { source } : {}),
    ...(sameLane !== undefined ? { sameLane } : {}),
    limit,
  }))

describe('overlaps', () => {
  it('finds exactly the pairs a check of every pair finds, longest first, in any window and filter', () => {
    fc.assert(
      // Spread runs, and dense ones: many pairs of equal length, more than a small limit holds.
      fc.property(fc.oneof(fc.tuple(fc.array(testRun(1_000), { maxLength: 30 }), query(1_000)), fc.tuple(fc.array(testRun(20), { minLength: 20, maxLength: 40 }), query(20))), ([generated, q]) => {
        // Runs that cannot run now (a running run starting after `now`) are not data a store holds.
        const runs = generated.map((r, i) => ({ ...r, id: `r${String(i).padStart(2, '0')}` })).filter((r) => r.finishedAt !== null || r.startedAt <= q.now)
        reset(runs)
        expect(temp.store.overlaps(q)).toEqual(bruteForce(runs, q))
      }),
      { numRuns: 300 },
    )
  })

  it('says which runs shared how long: across a source and a lane of Jobdeck, a running run reaching to now', () => {
    const runs: TestRun[] = [
      { id: 'own-1', source: null, type: 'sync', lane: 'dealer:1', status: 'succeeded', startedAt: T0, finishedAt: T0 + 600_000 },
      { id: '41', source: 'legacy', type: 'report', lane: 'legacy', status: 'running', startedAt: T0 + 300_000, finishedAt: null, startKind: 'observed' },
      { id: '42', source: 'legacy', type: 'report', lane: 'legacy', status: 'failed', startedAt: T0 - 60_000, finishedAt: T0 + 60_000, startKind: 'unknown' },
    ]
    reset(runs)
    const [only, ...rest] = temp.store.overlaps({ since: T0, until: T0 + 3_600_000, now: T0 + 900_000, limit: 10 })
    expect(rest).toEqual([])
    expect(only).toEqual({
      a: { runId: 'own-1', jobId: 'job-own-1', type: 'sync', lane: 'dealer:1', source: null, sourceId: null },
      b: { runId: 'legacy:41/run', jobId: 'legacy:41', type: 'legacy/report', lane: 'legacy', source: 'legacy', sourceId: '41' },
      from: new Date(T0 + 300_000).toISOString(),
      to: new Date(T0 + 600_000).toISOString(),
      seconds: 300,
      sameLane: false,
    })
    expect(temp.store.overlaps({ since: T0, until: T0 + 3_600_000, now: T0 + 900_000, limit: 10, sameLane: true })).toEqual([])
  })

  it('reads the window by start through runs_timeline, not the whole history', () => {
    const plans = (temp.db.prepare(`EXPLAIN QUERY PLAN ${OVERLAP_WINDOW_SQL}`).all({ lower: 0, until: 10, now: 5, since: 1 }) as Array<{ detail: string }>).map((p) => p.detail)
    expect(plans.join('\n')).toMatch(/SEARCH runs USING INDEX runs_timeline \(started_at>\? AND started_at<\?\)/)
    expect(plans.join('\n')).not.toMatch(/TEMP B-TREE/)
  })
})

// The timeline's bucket counts without SQLite's sorter: a JS aggregate tallies each counted run
// into its row's packed buckets as the index scan passes it. A GROUP BY sorted every run of the
// range first (~200k on a busy day: most of timeline.range's time).
import { BUCKET_STRIDE, RUN_STATUSES, type TimelineBuckets } from '../../../../src-shared/domain'
import type { SqliteDatabase } from './open-database'

const STATUS_INDEX = new Map<string, number>(RUN_STATUSES.map((s, i) => [s, i]))

/** One row's buckets as they fill: the packed counts, where each bucket starts in them, and the last one touched. */
interface RowTally {
  packed: TimelineBuckets
  at: Map<number, number>
  lastBucket: number
  lastAt: number
}

class Tally {
  readonly rows = new Map<string, RowTally>()
  runs = 0

  constructor(private readonly bucketMs: number) {}

  add(row: string, bucket: number, status: string): void {
    let tally = this.rows.get(row)
    if (!tally) this.rows.set(row, (tally = { packed: { row, bucketMs: this.bucketMs, counts: [] }, at: new Map(), lastBucket: NaN, lastAt: -1 }))
    // Runs come in start order, so a row's bucket is nearly always the one it touched last.
    if (bucket !== tally.lastBucket) {
      let at = tally.at.get(bucket)
      if (at === undefined) {
        at = tally.packed.counts.length
        tally.packed.counts.push(bucket, ...ZEROS)
        tally.at.set(bucket, at)
      }
      tally.lastBucket = bucket
      tally.lastAt = at
    }
    const s = STATUS_INDEX.get(status)
    if (s === undefined) throw new Error(`timeline: a run has the unknown status "${status}"`)
    ;(tally.packed.counts[tally.lastAt + 1 + s] as number)++
    this.runs++
  }
}

const ZEROS: readonly number[] = Array.from({ length: BUCKET_STRIDE - 1 }, () => 0)

export type TallyRun = (bucketMs: number, run: () => void) => { buckets: TimelineBuckets[]; runs: number }

// One registration per connection: registering again would redefine the function under the
// statements already prepared with it.
const registered = new WeakMap<SqliteDatabase, TallyRun>()

/**
 * Registers `timeline_tally(row, bucket, status)` on `db` (once) and returns the call that runs a
 * statement using it and collects what it tallied (statements run synchronously, one at a time).
 */
export function timelineTally(db: SqliteDatabase): TallyRun {
  const known = registered.get(db)
  if (known) return known
  let current: Tally | null = null
  db.aggregate('timeline_tally', {
    start: 0,
    varargs: true,
    step: (n: number, ...[row, bucket, status]: unknown[]) => {
      if (!current) throw new Error('timeline_tally is only called through timelineTally')
      current.add(row as string, bucket as number, status as string)
      return n + 1
    },
  })
  const tallyRun: TallyRun = (bucketMs, run) => {
    const tally = new Tally(bucketMs)
    current = tally
    try {
      run()
    } finally {
      current = null
    }
    return { buckets: [...tally.rows.values()].map((r) => r.packed), runs: tally.runs }
  }
  registered.set(db, tallyRun)
  return tallyRun
}

// Timeline buckets for renderer tests, written as objects and packed the way timeline.range sends them.
import { BUCKET_STRIDE, RUN_STATUSES, type RunStatus, type TimelineBuckets } from '../../src-shared/domain'

/** Packs `{ row, start, byStatus }` buckets (start a multiple of bucketMs) into one entry per row. */
export function packBuckets(bucketMs: number, list: Array<{ row: string; start: number; byStatus: Partial<Record<RunStatus, number>> }>): TimelineBuckets[] {
  const byRow = new Map<string, TimelineBuckets>()
  for (const { row, start, byStatus } of list) {
    let packed = byRow.get(row)
    if (!packed) byRow.set(row, (packed = { row, bucketMs, counts: [] }))
    packed.counts.push(start / bucketMs, ...RUN_STATUSES.map((s) => byStatus[s] ?? 0))
  }
  for (const packed of byRow.values()) if (packed.counts.length % BUCKET_STRIDE !== 0) throw new Error('bad packing')
  return [...byRow.values()]
}

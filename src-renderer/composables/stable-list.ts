// "Lists do not jump while the pointer is over them" (UI.md): while `frozen`, rows keep their
// places; rows that left stay in place marked `gone` and new rows wait at the end, until the
// pointer leaves (or the operator asks for the update) and the list takes its real order. Each
// row knows its real position meanwhile, so a number shown beside it is never stale, and the
// list counts the changes it holds back, so it can say so.
import { computed, ref, type ComputedRef, type Ref } from 'vue'

export interface StableRow<T> {
  key: string
  item: T
  /** Left the list while it was frozen (e.g. the job started); shown dimmed until unfrozen. */
  gone: boolean
  /** Arrived while frozen: shown at the end, wherever its real place is. */
  late: boolean
  /** Its real place in the fresh list (1 = first), whatever place it is shown in; null when gone. */
  position: number | null
}

/** The pure step: the next displayed rows from the previous ones and the fresh list. */
export function stableRows<T>(previous: ReadonlyArray<StableRow<T>>, fresh: readonly T[], keyOf: (item: T) => string, frozen: boolean): Array<StableRow<T>> {
  const positions = new Map(fresh.map((item, index) => [keyOf(item), index + 1]))
  if (!frozen || previous.length === 0) return fresh.map((item, index) => ({ key: keyOf(item), item, gone: false, late: false, position: index + 1 }))
  const byKey = new Map(fresh.map((item) => [keyOf(item), item]))
  const rows: Array<StableRow<T>> = previous.map((row) => {
    const item = byKey.get(row.key)
    return item === undefined
      ? { key: row.key, item: row.item, gone: true, late: row.late, position: null }
      : { key: row.key, item, gone: false, late: row.late, position: positions.get(row.key) ?? null }
  })
  const seen = new Set(previous.map((r) => r.key))
  for (const item of fresh) {
    const key = keyOf(item)
    if (!seen.has(key)) rows.push({ key, item, gone: false, late: true, position: positions.get(key) ?? null })
  }
  return rows
}

/**
 * How many changes a frozen list holds back: rows gone, rows arrived, and rows out of their real
 * order (those outside the longest run already in order).
 */
export function heldChanges<T>(rows: ReadonlyArray<StableRow<T>>): number {
  let changes = 0
  const inPlace: number[] = []
  for (const row of rows) {
    if (row.gone || row.late) changes++
    else if (row.position !== null) inPlace.push(row.position)
  }
  return changes + inPlace.length - longestIncreasing(inPlace)
}

function longestIncreasing(values: readonly number[]): number {
  const tails: number[] = []
  for (const v of values) {
    let lo = 0
    let hi = tails.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((tails[mid] as number) < v) lo = mid + 1
      else hi = mid
    }
    tails[lo] = v
  }
  return tails.length
}

export interface StableList<T> {
  rows: ComputedRef<Array<StableRow<T>>>
  /** Bind to pointerenter/pointerleave of the list. */
  frozen: Ref<boolean>
  /** Changes held back while frozen (0 when the list shows the real order). */
  changes: ComputedRef<number>
  /** Shows the real order now, and holds still again from there while still frozen. */
  release(): void
}

export function useStableList<T>(source: () => readonly T[], keyOf: (item: T) => string): StableList<T> {
  const frozen = ref(false)
  const releases = ref(0)
  let lastRelease = 0
  let last: Array<StableRow<T>> = []
  const rows = computed(() => {
    const released = releases.value !== lastRelease
    lastRelease = releases.value
    last = stableRows(last, source(), keyOf, frozen.value && !released)
    return last
  })
  const changes = computed(() => heldChanges(rows.value))
  return {
    rows,
    frozen,
    changes,
    release() {
      releases.value++
    },
  }
}

// "Lists do not jump while the pointer is over them" (UI.md): while `frozen`, rows keep their
// places; rows that left stay in place marked `gone` and new rows wait at the end, until the
// pointer leaves and the list takes its real order.
import { computed, ref, type ComputedRef, type Ref } from 'vue'

export interface StableRow<T> {
  key: string
  item: T
  /** Left the list while it was frozen (e.g. the job started); shown dimmed until unfrozen. */
  gone: boolean
}

/** The pure step: the next displayed rows from the previous ones and the fresh list. */
export function stableRows<T>(previous: ReadonlyArray<StableRow<T>>, fresh: readonly T[], keyOf: (item: T) => string, frozen: boolean): Array<StableRow<T>> {
  if (!frozen || previous.length === 0) return fresh.map((item) => ({ key: keyOf(item), item, gone: false }))
  const byKey = new Map(fresh.map((item) => [keyOf(item), item]))
  const rows: Array<StableRow<T>> = previous.map((row) => {
    const item = byKey.get(row.key)
    return item === undefined ? { key: row.key, item: row.item, gone: true } : { key: row.key, item, gone: false }
  })
  const seen = new Set(previous.map((r) => r.key))
  for (const item of fresh) {
    const key = keyOf(item)
    if (!seen.has(key)) rows.push({ key, item, gone: false })
  }
  return rows
}

export interface StableList<T> {
  rows: ComputedRef<Array<StableRow<T>>>
  /** Bind to pointerenter/pointerleave of the list. */
  frozen: Ref<boolean>
}

export function useStableList<T>(source: () => readonly T[], keyOf: (item: T) => string): StableList<T> {
  const frozen = ref(false)
  let last: Array<StableRow<T>> = []
  const rows = computed(() => {
    last = stableRows(last, source(), keyOf, frozen.value)
    return last
  })
  return { rows, frozen }
}

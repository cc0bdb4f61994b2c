// The run history as the History view shows it: one filtered, newest-first list loaded page by
// page with a keyset cursor, kept live from `run.changed`, with how many runs match (`runs.count`:
// the maintained counters, or a count bounded at COUNT_CAP) and how many there are in all.
// New finished runs are held back while the operator points at or has scrolled the list, so rows
// never move under the pointer; the view offers them as "N new runs — show".
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import type { ApiInput, ApiResults } from '../../src-shared/api'
import type { Run, RunStatus } from '../../src-shared/domain'
import type { ListedRun, RunCount } from '../../src-shared/search'
import { OWN_RUNS } from '../../src-shared/sources'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'

export const PAGE_SIZE = 200
/** What one export asks for at most; beyond it the CSV says it is truncated. */
export const EXPORT_LIMIT = 100_000
/** A search or a time window is counted up to this many ("more than 10,000 matches"). */
export const COUNT_CAP = 10_000
/** Counts follow finished runs at most once a second. */
export const COUNT_REFRESH_MS = 1000

export const RANGE_PRESETS = ['1h', '24h', '7d', '30d', 'all'] as const
export type RangePreset = (typeof RANGE_PRESETS)[number]

const PRESET_MS: Record<Exclude<RangePreset, 'all'>, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
}

export type TimeRange = { preset: RangePreset } | { preset: 'custom'; since: number | null; until: number | null }

export interface HistoryFilters {
  type: string | null
  /** A source's name, OWN_RUNS (`-`) for Jobdeck's own runs only, or null for all (shown only when the config has sources). */
  source: string | null
  status: RunStatus | null
  range: TimeRange
  search: string
}

export type RunQuery = Pick<ApiInput<'runs.list'>, 'type' | 'source' | 'status' | 'since' | 'until' | 'search'>

/** No filter: every run, newest first. A fresh object each time (the store mutates its own). */
export function noFilters(): HistoryFilters {
  return { type: null, source: null, status: null, range: { preset: 'all' }, search: '' }
}

/** The time window of a range as epoch ms, resolved against `now` for the relative presets. */
export function rangeBounds(range: TimeRange, now: number): { since?: number; until?: number } {
  if (range.preset === 'custom') {
    return { ...(range.since !== null ? { since: range.since } : {}), ...(range.until !== null ? { until: range.until } : {}) }
  }
  return range.preset === 'all' ? {} : { since: now - PRESET_MS[range.preset] }
}

/** The API arguments a set of filters means; absent keys for filters that are off. */
export function queryArgs(filters: HistoryFilters, now: number): RunQuery {
  const search = filters.search.trim()
  return {
    ...(filters.type ? { type: filters.type } : {}),
    ...(filters.source ? { source: filters.source } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...rangeBounds(filters.range, now),
    ...(search ? { search } : {}),
  }
}

export function filtersActive(filters: HistoryFilters): boolean {
  return filters.type !== null || filters.source !== null || filters.status !== null || filters.range.preset !== 'all' || filters.search.trim() !== ''
}

/** Newest first by (startedAt, id): the order of `runs.list` and of its keyset cursor. */
export function newerFirst(a: Run, b: Run): number {
  const ta = Date.parse(a.startedAt)
  const tb = Date.parse(b.startedAt)
  if (ta !== tb) return tb - ta
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

/** Whether a run matches the filters that can be told without the server (all but search). */
export function matchesLocally(run: Run, query: RunQuery): boolean {
  if (query.type !== undefined && run.type !== query.type) return false
  if (query.source !== undefined && (run.source ?? OWN_RUNS) !== query.source) return false
  if (query.status !== undefined && run.status !== query.status) return false
  const started = Date.parse(run.startedAt)
  if (query.since !== undefined && started < Number(query.since)) return false
  if (query.until !== undefined && started >= Number(query.until)) return false
  return true
}

export const useHistoryStore = defineStore('history', () => {
  const filters = reactive<HistoryFilters>(noFilters())
  /** Loaded runs, newest first. Shallow (rows can be many) and replaced on every change, never
   *  mutated in place: components receive it as a prop and only see a new array as a change. */
  const rows = shallowRef<ListedRun[]>([])
  /** New finished runs held back while `hold` is set, newest first. */
  const pending = shallowRef<ListedRun[]>([])
  /** Runs matching the filters (all pages), and all runs: null until counted. */
  const count = ref<RunCount | null>(null)
  const total = ref<RunCount | null>(null)
  const hasMore = ref(false)
  const loading = ref(false)
  const loadingMore = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  /** Set by the view while the pointer is over the list, it has focus, or it is scrolled down. */
  const hold = ref(false)
  /** The arguments of the loaded list (relative presets resolved when it was loaded). */
  let query: RunQuery = {}
  let ids = new Set<string>()
  let generation = 0
  let started = false

  async function recount(): Promise<void> {
    const gen = generation
    const asked = query
    try {
      const [matching, all] = await Promise.all([
        call('runs.count', { ...asked, countUpTo: COUNT_CAP }),
        filtersActive(filters) ? call('runs.count', {}) : null,
      ])
      if (gen !== generation) return
      count.value = matching
      total.value = all ?? matching
    } catch {
      // The list says what failed; a missing count only leaves the header without it.
    }
  }
  const recountSoon = throttleTrailing(() => void recount(), COUNT_REFRESH_MS)

  async function load(): Promise<void> {
    const gen = ++generation
    query = queryArgs(filters, Date.now())
    count.value = null
    void recount()
    loading.value = true
    loadingMore.value = false
    error.value = null
    pending.value = []
    try {
      const page = await call('runs.list', { ...query, limit: PAGE_SIZE })
      if (gen !== generation) return
      rows.value = page
      ids = new Set(page.map((r) => r.id))
      hasMore.value = page.length === PAGE_SIZE
      loaded.value = true
    } catch (e) {
      if (gen !== generation) return
      rows.value = []
      ids = new Set()
      hasMore.value = false
      error.value = (e as Error).message
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  /** The next page after the last loaded row; rows already shown (live inserts) are skipped. */
  async function loadMore(): Promise<void> {
    if (!hasMore.value || loading.value || loadingMore.value) return
    const last = rows.value[rows.value.length - 1]
    if (!last) return
    const gen = generation
    loadingMore.value = true
    try {
      const page = await call('runs.list', { ...query, before: { startedAt: last.startedAt, id: last.id }, limit: PAGE_SIZE })
      if (gen !== generation) return
      const fresh = page.filter((r) => !ids.has(r.id))
      for (const r of fresh) ids.add(r.id)
      if (fresh.length) rows.value = rows.value.concat(fresh)
      hasMore.value = page.length === PAGE_SIZE
    } catch (e) {
      if (gen === generation) error.value = `Loading more runs failed: ${(e as Error).message}`
    } finally {
      if (gen === generation) loadingMore.value = false
    }
  }

  function setFilters(patch: Partial<HistoryFilters>): void {
    Object.assign(filters, patch)
    void load()
  }

  function clearFilters(): void {
    setFilters(noFilters())
  }

  // ── live ─────────────────────────────────────────────────────────────────────────────────

  /** Puts runs into the list at their place in the order (near the top: they just finished). */
  function insert(runs: readonly ListedRun[]): void {
    const list = [...rows.value]
    const last = list[list.length - 1]
    let changed = false
    for (const run of runs) {
      if (ids.has(run.id)) continue
      // Older than everything loaded while more pages exist: paging will bring it.
      if (hasMore.value && last && newerFirst(run, last) > 0) continue
      let at = 0
      while (at < list.length && newerFirst(list[at] as ListedRun, run) < 0) at++
      list.splice(at, 0, run)
      ids.add(run.id)
      changed = true
    }
    if (changed) rows.value = list
  }

  function admit(runs: readonly ListedRun[]): void {
    if (runs.length === 0) return
    if (hold.value) {
      const known = new Set(pending.value.map((r) => r.id))
      const fresh = runs.filter((r) => !known.has(r.id) && !ids.has(r.id))
      if (fresh.length) pending.value = [...fresh, ...pending.value].sort(newerFirst)
    } else {
      insert(runs)
    }
  }

  /** Shows the held-back runs. */
  function flush(): void {
    const runs = pending.value
    pending.value = []
    insert(runs)
  }

  function setHold(value: boolean): void {
    if (hold.value === value) return
    hold.value = value
    if (!value && pending.value.length) flush()
  }

  // With a search, whether a new run matches is the server's call (full text over its output):
  // candidates are batched and asked about in one query over their start times.
  let candidates: Run[] = []
  let checkTimer: ReturnType<typeof setTimeout> | null = null

  async function checkCandidates(): Promise<void> {
    checkTimer = null
    const batch = candidates
    candidates = []
    const gen = generation
    const times = batch.map((r) => Date.parse(r.startedAt))
    const wanted = new Set(batch.map((r) => r.id))
    try {
      const found = await call('runs.list', {
        ...query,
        since: Math.max(Math.min(...times), query.since === undefined ? -Infinity : Number(query.since)),
        until: Math.min(Math.max(...times) + 1, query.until === undefined ? Infinity : Number(query.until)),
        limit: Math.min(10_000, batch.length * 20 + 100),
      })
      if (gen !== generation) return
      admit(found.filter((r) => wanted.has(r.id)))
    } catch {
      // A missed live row is harmless: it shows on the next load.
    }
  }

  function onRunChanged(run: Run): void {
    if (!loaded.value) return
    if (run.status !== 'running') recountSoon()
    if (ids.has(run.id)) {
      // In place: same row, new values (a running run finished, its error arrived, …); where a
      // search matched stays as it was found.
      const at = rows.value.findIndex((r) => r.id === run.id)
      if (at >= 0) {
        const list = [...rows.value]
        const match = list[at]?.match
        list[at] = match ? { ...run, match } : run
        rows.value = list
      }
      return
    }
    const held = pending.value.findIndex((r) => r.id === run.id)
    if (held >= 0) {
      const next = [...pending.value]
      next[held] = run
      pending.value = next
      return
    }
    if (run.status === 'running' || !matchesLocally(run, query)) return
    if (query.search === undefined) {
      admit([run])
      return
    }
    candidates.push(run)
    checkTimer ??= setTimeout(() => void checkCandidates(), 250)
  }

  /**
   * Subscribes once and loads the first page, with `initial` filters if given (a link or a reload
   * asks for them); later calls load again only if `initial` asks for other filters.
   */
  function start(initial?: HistoryFilters): void {
    if (started) {
      if (initial && JSON.stringify(initial) !== JSON.stringify(filters)) setFilters(initial)
      return
    }
    started = true
    if (initial) Object.assign(filters, initial)
    void load()
    on('run.changed', ({ run }) => onRunChanged(run))
    on('jobs.cleared', () => void load())
  }

  // ── export ───────────────────────────────────────────────────────────────────────────────

  /** The filtered runs as CSV, with the same filters as the list (relative presets re-resolved now). */
  function exportCsv(): Promise<ApiResults['runs.export']> {
    return call('runs.export', { ...queryArgs(filters, Date.now()), limit: EXPORT_LIMIT })
  }

  const active = computed(() => filtersActive(filters))

  return {
    filters,
    rows,
    pending,
    count,
    total,
    hasMore,
    loading,
    loadingMore,
    loaded,
    error,
    hold,
    active,
    start,
    load,
    loadMore,
    setFilters,
    clearFilters,
    setHold,
    flush,
    exportCsv,
  }
})

// History's filters in the route query, so a link (the Queue's "Show them in History"), a reload
// or a bookmark lands on the same runs: `#/history?status=failed&since=24h&type=…&q=…`.
// `source` is a source's name, or `-` for Jobdeck's own runs.
// `since` is a preset (1h, 24h, 7d, 30d) or, with `until`, a custom range (ISO-8601 or epoch ms).
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { RUN_STATUSES, type RunStatus } from '../../src-shared/domain'
import { noFilters, RANGE_PRESETS, type HistoryFilters, type RangePreset, type TimeRange } from './history'

/** The query keys History owns; others (`run` for the run panel) are left alone. */
export const FILTER_KEYS = ['type', 'source', 'status', 'since', 'until', 'q'] as const

const first = (value: LocationQuery[string] | undefined): string | null => {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' && v !== '' ? v : null
}

/** An instant as the query carries it: epoch ms or a date the browser can read. */
function instant(text: string | null): number | null {
  if (text === null) return null
  const n = /^\d+$/.test(text) ? Number(text) : Date.parse(text)
  return Number.isFinite(n) ? n : null
}

export function hasFilterQuery(query: LocationQuery): boolean {
  return FILTER_KEYS.some((key) => first(query[key]) !== null)
}

/** The filters a query asks for; what it does not say (or says wrongly) is off. */
export function filtersFromQuery(query: LocationQuery): HistoryFilters {
  const filters = noFilters()
  filters.type = first(query.type)
  filters.source = first(query.source)
  const status = first(query.status)
  filters.status = status !== null && (RUN_STATUSES as readonly string[]).includes(status) ? (status as RunStatus) : null
  filters.search = first(query.q) ?? ''
  const since = first(query.since)
  const until = instant(first(query.until))
  if (since !== null && (RANGE_PRESETS as readonly string[]).includes(since) && until === null) {
    filters.range = { preset: since as RangePreset }
  } else if (since !== null || until !== null) {
    const from = instant(since)
    if (from !== null || until !== null) filters.range = { preset: 'custom', since: from, until }
  }
  return filters
}

function rangeQuery(range: TimeRange): LocationQueryRaw {
  if (range.preset === 'all') return {}
  if (range.preset !== 'custom') return { since: range.preset }
  return {
    ...(range.since !== null ? { since: new Date(range.since).toISOString() } : {}),
    ...(range.until !== null ? { until: new Date(range.until).toISOString() } : {}),
  }
}

/** `query` with History's keys set from `filters` (only those that are on), others kept. */
export function queryWithFilters(query: LocationQuery, filters: HistoryFilters): LocationQueryRaw {
  const rest = Object.fromEntries(Object.entries(query).filter(([key]) => !(FILTER_KEYS as readonly string[]).includes(key)))
  const search = filters.search.trim()
  return {
    ...rest,
    ...(filters.type ? { type: filters.type } : {}),
    ...(filters.source ? { source: filters.source } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...rangeQuery(filters.range),
    ...(search ? { q: search } : {}),
  }
}

/** Whether two sets of filters select the same runs (relative presets compared as presets). */
export function sameFilters(a: HistoryFilters, b: HistoryFilters): boolean {
  return JSON.stringify(queryWithFilters({}, a)) === JSON.stringify(queryWithFilters({}, b))
}

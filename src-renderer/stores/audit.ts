// The audit log as Settings → Audit shows it: records newest first (`audit.list`), filtered by
// who, method and a time window, in keyset pages ("Load more" passes the last record as
// `before`). No event announces a record, so while the section is shown a light poll asks for
// the head again and puts records made meanwhile on top, leaving the pages already read alone;
// while the pointer is over the list they wait (`pending`) and the list says how many.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { AuditRecord } from '../../src-shared/access'
import { apiAccess, type ApiInput, type ApiMethod } from '../../src-shared/api'
import { call } from '../ipc'

export const AUDIT_PAGE = 100
export const AUDIT_POLL_MS = 10_000

export const AUDIT_SPANS = [
  { key: '24h', label: 'last 24 h', ms: 86_400_000 },
  { key: '7d', label: 'last 7 days', ms: 7 * 86_400_000 },
  { key: '30d', label: 'last 30 days', ms: 30 * 86_400_000 },
  { key: 'all', label: 'all kept', ms: null },
] as const
export type AuditSpan = (typeof AUDIT_SPANS)[number]['key']

export interface AuditFilters {
  /** Exactly this caller (`ops-bot`, `desktop`, `cli:ana@box`, `schedule:nightly`). */
  who: string | null
  method: string | null
  span: AuditSpan
}

export const noAuditFilters = (): AuditFilters => ({ who: null, method: null, span: '7d' })

/** Every method that leaves a record: those that change something, and a schedule's fire. */
export const AUDITED_METHODS: readonly string[] = [...(Object.keys(apiAccess) as ApiMethod[]).filter((m) => apiAccess[m].changes), 'schedules.fire'].sort()

export function auditQuery(filters: AuditFilters, now: number): ApiInput<'audit.list'> {
  const ms = AUDIT_SPANS.find((s) => s.key === filters.span)?.ms ?? null
  return {
    ...(ms !== null ? { since: now - ms } : {}),
    ...(filters.who ? { who: filters.who } : {}),
    ...(filters.method ? { method: filters.method } : {}),
    limit: AUDIT_PAGE,
  }
}

export const useAuditStore = defineStore('audit', () => {
  const filters = ref<AuditFilters>(noAuditFilters())
  const records = shallowRef<AuditRecord[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const loadingMore = ref(false)
  /** The last page came back short: nothing older matches. */
  const complete = ref(false)
  /** Why the list could not be read (shown in place of it); null once it is read. */
  const error = ref<string | null>(null)
  /** The pointer is over the list: new records wait in `pending` instead of moving the rows. */
  const hold = ref(false)
  const pending = shallowRef<AuditRecord[]>([])
  let generation = 0
  let timer: ReturnType<typeof setInterval> | null = null

  /** The first page for the filters; throws when the engine refuses. */
  async function load(): Promise<void> {
    const gen = ++generation
    loading.value = true
    try {
      const page = await call('audit.list', auditQuery(filters.value, Date.now()))
      if (gen !== generation) return
      records.value = page
      pending.value = []
      complete.value = page.length < AUDIT_PAGE
      loaded.value = true
      error.value = null
    } catch (e) {
      if (gen === generation) error.value = (e as Error).message
      throw e
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  /** The next page, older than the last record shown. */
  async function loadMore(): Promise<void> {
    const last = records.value.at(-1)
    if (!last || complete.value || loadingMore.value) return
    const gen = generation
    loadingMore.value = true
    try {
      const page = await call('audit.list', { ...auditQuery(filters.value, Date.now()), before: { at: last.at, id: last.id } })
      if (gen !== generation) return
      const known = new Set(records.value.map((r) => r.id))
      records.value = [...records.value, ...page.filter((r) => !known.has(r.id))]
      complete.value = page.length < AUDIT_PAGE
    } finally {
      loadingMore.value = false
    }
  }

  /** Records made since the head was read go on top; a gap wider than a page reads the head again. */
  async function refresh(): Promise<void> {
    if (!loaded.value || loading.value) return
    const gen = generation
    const page = await call('audit.list', auditQuery(filters.value, Date.now()))
    if (gen !== generation) return
    const known = new Set([...pending.value, ...records.value].map((r) => r.id))
    const fresh = page.filter((r) => !known.has(r.id))
    if (fresh.length === 0) return
    if (fresh.length === page.length) {
      // More new records than a page: the pages read before no longer join the head.
      pending.value = []
      records.value = page
      complete.value = page.length < AUDIT_PAGE
    } else if (hold.value) {
      pending.value = [...fresh, ...pending.value]
    } else {
      records.value = [...fresh, ...pending.value, ...records.value]
      pending.value = []
    }
  }

  /** Shows the records that waited while the list held still. */
  function release(): void {
    if (pending.value.length === 0) return
    records.value = [...pending.value, ...records.value]
    pending.value = []
  }

  function setHold(value: boolean): void {
    hold.value = value
    if (!value) release()
  }

  function setFilters(patch: Partial<AuditFilters>): Promise<void> {
    filters.value = { ...filters.value, ...patch }
    records.value = []
    loaded.value = false
    complete.value = false
    return load()
  }

  /** While the section is shown: the first page, then the poll. */
  function start(): Promise<void> {
    stop()
    timer = setInterval(() => void refresh().catch(() => undefined), AUDIT_POLL_MS)
    return load()
  }

  function stop(): void {
    if (timer) clearInterval(timer)
    timer = null
  }

  return { filters, records, pending, hold, loaded, loading, loadingMore, complete, error, load, loadMore, refresh, release, setHold, setFilters, start, stop }
})

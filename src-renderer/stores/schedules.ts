// The Schedules view's data: every schedule with its next fires and last outcome
// (schedules.list), the fires of the next 25 h per schedule for the 24 h strips
// (schedules.forecast), and, for a schedule whose "Why didn't it run?" is open, its recent fires
// (schedules.fires). A fire makes a job, so a scheduled job entering the queue reloads the list
// (throttled); config.changed reloads all. Between those, the list wakes when its earliest next
// fire is due (that fire's outcome and the next time then show), and at least once a minute, so a
// pause made by another instance of a shared queue shows within a minute. The forecast is the
// costly call (for a thousand schedules, ten thousand fires): it is read at start, on a config
// change, a pause or resume, and every 30 min; the strips slide along it with the clock.
// Subscribed while the view is open (start/stop).
import { defineStore } from 'pinia'
import type { ApiResults } from '../../src-shared/api'
import { computed, reactive, ref, shallowRef } from 'vue'
import { STRIP_MS } from '../components/schedules/schedule-text'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'
import type { ForecastFire, ScheduleFire, ScheduleInfo } from '../../src-shared/schedules'

/** Fires shown per schedule under "Why didn't it run?". */
export const FIRES_SHOWN = 50
/** Reloads after a burst of job changes at most this often. */
export const RELOAD_MS = 1000
/** The list is never older than this while the view is open. */
export const MAX_AGE_MS = 60_000
/** A due fire is given this long to be recorded before the list is read again. */
export const FIRE_SETTLE_MS = 1500
/** The strips' forecast reaches this far (an hour more than a strip), and is read again this often. */
export const UPCOMING_SPAN_MS = STRIP_MS + 3_600_000
export const UPCOMING_REFRESH_MS = 30 * 60_000

export const useSchedulesStore = defineStore('schedules', () => {
  const list = shallowRef<ScheduleInfo[]>([])
  const loaded = ref(false)
  const error = ref<string | null>(null)
  /** The fires of the next 25 h per schedule (epoch ms, ascending), as last read. */
  const upcoming = shallowRef<ReadonlyMap<string, number[]>>(new Map())
  /** Recent fires per schedule whose history is open, newest first. */
  const fires = shallowRef<ReadonlyMap<string, ScheduleFire[]>>(new Map())
  const firesError = ref<string | null>(null)
  /** Schedules with a pause, resume or run now under way. */
  const busy = reactive(new Set<string>())

  let seq = 0
  let started = false
  let unsubscribe: Array<() => void> = []
  let wake: ReturnType<typeof setTimeout> | null = null
  let upcomingTimer: ReturnType<typeof setInterval> | null = null
  let upcomingSeq = 0

  const byName = computed(() => new Map(list.value.map((s) => [s.name, s])))

  async function load(): Promise<void> {
    const mine = ++seq
    try {
      const infos = await call('schedules.list', { fires: 5 })
      if (mine !== seq) return
      list.value = infos
      loaded.value = true
      error.value = null
      for (const name of fires.value.keys()) void loadFires(name)
    } catch (e) {
      if (mine === seq) error.value = `Could not load the schedules: ${(e as Error).message}`
    } finally {
      if (mine === seq) planWake()
    }
  }

  const reloadSoon = throttleTrailing(() => void load(), RELOAD_MS)

  /** Reads the fires of the next 25 h for the strips (a strip missing is no reason to fail the view). */
  async function loadUpcoming(): Promise<void> {
    const mine = ++upcomingSeq
    const now = Date.now()
    try {
      const forecast = await call('schedules.forecast', { since: now, until: now + UPCOMING_SPAN_MS })
      if (mine === upcomingSeq) upcoming.value = fireTimesBySchedule(forecast)
    } catch (e) {
      if (mine === upcomingSeq) console.error('jobdeck: the schedules forecast failed', e)
    }
  }

  /** Wakes when the earliest next fire is due (plus a moment for it to be recorded), at most a minute from now. */
  function planWake(): void {
    if (wake) clearTimeout(wake)
    wake = null
    if (!started) return
    const now = Date.now()
    let due = now + MAX_AGE_MS
    for (const s of list.value) {
      const next = s.nextFires[0] === undefined ? NaN : Date.parse(s.nextFires[0])
      if (Number.isFinite(next)) due = Math.min(due, next + FIRE_SETTLE_MS)
    }
    wake = setTimeout(() => void load(), Math.max(RELOAD_MS, due - now))
  }

  async function loadFires(name: string): Promise<void> {
    try {
      const recent = await call('schedules.fires', { schedule: name, limit: FIRES_SHOWN })
      const next = new Map(fires.value)
      next.set(name, recent)
      fires.value = next
      firesError.value = null
    } catch (e) {
      firesError.value = `Could not load the fires of ${name}: ${(e as Error).message}`
    }
  }

  function closeFires(name: string): void {
    if (!fires.value.has(name)) return
    const next = new Map(fires.value)
    next.delete(name)
    fires.value = next
  }

  function replace(info: ScheduleInfo): void {
    list.value = list.value.map((s) => (s.name === info.name ? info : s))
  }

  async function guarded<T>(name: string, action: () => Promise<T>): Promise<T> {
    busy.add(name)
    try {
      return await action()
    } finally {
      busy.delete(name)
    }
  }

  /** Pauses until `until` (epoch ms), or until resumed; throws the engine's error. */
  function pause(name: string, until?: number): Promise<ScheduleInfo> {
    return guarded(name, async () => {
      const info = await call('schedules.pause', until === undefined ? { name } : { name, until })
      replace(info)
      reloadSoon()
      void loadUpcoming()
      return info
    })
  }

  function resume(name: string): Promise<ScheduleInfo> {
    return guarded(name, async () => {
      const info = await call('schedules.resume', { name })
      replace(info)
      reloadSoon()
      void loadUpcoming()
      return info
    })
  }

  /** Fires it now, whatever its state: a job is enqueued and recorded as a `manual` fire. */
  function runNow(name: string): Promise<ApiResults['schedules.runNow']> {
    return guarded(name, async () => {
      const result = await call('schedules.runNow', { name })
      reloadSoon()
      return result
    })
  }

  function start(): void {
    if (started) return
    started = true
    unsubscribe = [
      // A fire shows as its job entering the queue; the job's later changes leave the list as it is.
      on('job.changed', ({ job }) => {
        if (job.schedule && job.status === 'queued') reloadSoon()
      }),
      on('config.changed', () => {
        reloadSoon()
        void loadUpcoming()
      }),
    ]
    void load()
    void loadUpcoming()
    upcomingTimer = setInterval(() => void loadUpcoming(), UPCOMING_REFRESH_MS)
  }

  function stop(): void {
    started = false
    for (const off of unsubscribe) off()
    unsubscribe = []
    if (wake) clearTimeout(wake)
    wake = null
    if (upcomingTimer) clearInterval(upcomingTimer)
    upcomingTimer = null
  }

  return { list, byName, loaded, error, upcoming, fires, firesError, busy, load, loadFires, closeFires, pause, resume, runNow, start, stop }
})

/** The forecast's fire times per schedule, ascending. */
export function fireTimesBySchedule(forecast: readonly ForecastFire[]): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const f of forecast) {
    let list = out.get(f.schedule)
    if (!list) out.set(f.schedule, (list = []))
    list.push(Date.parse(f.at))
  }
  for (const list of out.values()) list.sort((a, b) => a - b)
  return out
}

// One shared clock for elapsed times and "3 min ago" labels: a single timer for the whole app,
// running only while something shows a time. This ticks the view; it never asks the engine.
import { computed, onScopeDispose, readonly, ref, type Ref } from 'vue'
import { relativeTime } from '../format'

const now = ref(Date.now())
let users = 0
let timer: ReturnType<typeof setInterval> | null = null

/**
 * The current time in epoch ms, updated every second while at least one component uses it.
 * With `stepMs` it changes only every step, so a long list of "3 min ago" labels re-renders
 * every few seconds rather than every second.
 */
export function useNow(stepMs = 1000): Readonly<Ref<number>> {
  users++
  if (!timer) {
    now.value = Date.now()
    timer = setInterval(() => {
      now.value = Date.now()
    }, 1000)
  }
  onScopeDispose(() => {
    users--
    if (users === 0 && timer) {
      clearInterval(timer)
      timer = null
    }
  })
  if (stepMs <= 1000) return readonly(now)
  // Rounded up: a thing that just happened never reads as "in a moment".
  return computed(() => Math.ceil(now.value / stepMs) * stepMs)
}

/**
 * `3 min ago` for a past event. The clock moves in steps, so an event that happened a moment ago
 * may be newer than `now`; it must not read "in a moment": times ahead of `now` count as just now.
 */
export function ago(value: string | null, now: number): string {
  if (value === null) return '—'
  const t = Date.parse(value)
  return relativeTime(value, Number.isFinite(t) ? Math.max(now, t) : now)
}

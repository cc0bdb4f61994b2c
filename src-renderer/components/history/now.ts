// "Now" for relative times in lists, ticking every 15 s while something shows them.
import { onScopeDispose, shallowRef, type Ref } from 'vue'
import { relativeTime } from '../../format'

export function useNow(intervalMs = 15_000): Ref<number> {
  const now = shallowRef(Date.now())
  const timer = setInterval(() => {
    now.value = Date.now()
  }, intervalMs)
  onScopeDispose(() => clearInterval(timer))
  return now
}

/**
 * `3 min ago` for a past event. The ticking `now` lags real time by up to a tick, so a run that
 * finished a moment ago must not read "in a moment": times ahead of `now` count as just now.
 */
export function ago(value: string | null, now: number): string {
  if (value === null) return '—'
  const t = Date.parse(value)
  return relativeTime(value, Number.isFinite(t) ? Math.max(now, t) : now)
}

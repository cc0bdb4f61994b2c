// The estimates of the runner status now (src-shared/eta.ts): time left of each run, start of
// each waiting job. Recomputed as the clock ticks and as the status changes; one per view.
import { computed, type ComputedRef } from 'vue'
import { queueEtas, type QueueEtas } from '../../src-shared/eta'
import { useRunnerStore } from '../stores/runner'
import { useNow } from './now'

export function useQueueEtas(): ComputedRef<QueueEtas | null> {
  const runner = useRunnerStore()
  const now = useNow()
  // The tick only says when to look again: a progress report between ticks is judged at the real
  // time it is seen (a second-old clock halves the elapsed time of a run 2 s in).
  return computed(() => (runner.status ? queueEtas(runner.status, Math.max(now.value, Date.now())) : null))
}

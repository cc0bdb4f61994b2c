// The run detail side panel: opened over whatever view is showing, by route query, so it is
// linkable (a notification click lands on it) and Esc / back closes it.
import { computed, type ComputedRef } from 'vue'
import { useRoute, useRouter } from 'vue-router'

export interface RunPanel {
  runId: ComputedRef<string | null>
  open(runId: string): void
  close(): void
}

export function useRunPanel(): RunPanel {
  const route = useRoute()
  const router = useRouter()
  const runId = computed(() => {
    const value = route.query.run
    return typeof value === 'string' && value !== '' ? value : null
  })
  return {
    runId,
    open(id) {
      void router.push({ query: { ...route.query, run: id } })
    },
    close() {
      const { run: _run, ...rest } = route.query
      void router.push({ query: rest })
    },
  }
}

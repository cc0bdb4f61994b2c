// The job detail side panel (a waiting job: its params, place, why it waits, actions), opened
// over any view by route query like the run panel (`#/queue?job=01H…`), so it is linkable.
import { computed, type ComputedRef } from 'vue'
import { useRoute, useRouter } from 'vue-router'

export interface JobPanel {
  jobId: ComputedRef<string | null>
  open(jobId: string): void
  close(): void
}

export function useJobPanel(): JobPanel {
  const route = useRoute()
  const router = useRouter()
  const jobId = computed(() => {
    const value = route.query.job
    return typeof value === 'string' && value !== '' ? value : null
  })
  return {
    jobId,
    open(id) {
      const { run: _run, ...rest } = route.query
      void router.push({ query: { ...rest, job: id } })
    },
    close() {
      const { job: _job, ...rest } = route.query
      void router.push({ query: rest })
    },
  }
}

// Where the API's writes go: the local SQLite queue, or the shared queue in PostgreSQL (with the
// outbox for enqueues made while it is unreachable). Reads always come from SQLite.
import type { Job, Priority } from '../../../src-shared/domain'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { NewJob } from '../store/store-types'

export interface QueueWriter {
  enqueue(jobs: readonly NewJob[], now: number): Promise<Job[]>
  cancel(id: string, now: number): Promise<{ job: Job; action: 'canceled' | 'requested' }>
  retry(id: string, now: number): Promise<Job>
  /** Undoes a cancel made while the job waited (see SqliteStore.restore). */
  restore(id: string): Promise<Job>
  setPriority(id: string, priority: Priority): Promise<Job>
  /** "Start now": the waiting job passes the resource gate once, at its next claim. */
  startNow(id: string): Promise<Job>
  clear(before: number, now: number): Promise<number>
  setPaused(paused: boolean): Promise<void>
}

export function localWriter(store: Pick<SqliteStore, 'enqueue' | 'cancel' | 'retry' | 'restore' | 'setPriority' | 'startNow' | 'clearFinished' | 'setPaused'>): QueueWriter {
  return {
    enqueue: async (jobs, now) => store.enqueue(jobs, now),
    cancel: async (id, now) => store.cancel(id, now),
    retry: async (id, now) => store.retry(id, now),
    restore: async (id) => store.restore(id),
    setPriority: async (id, priority) => store.setPriority(id, priority),
    startNow: async (id) => store.startNow(id),
    clear: async (before) => store.clearFinished(before),
    setPaused: async (paused) => store.setPaused(paused),
  }
}

// Cancel, retry, reprioritise: the engine call, a busy mark per job while it is under way, a
// short confirmation, and a failure that says what to do next. The lists update from events.
// Stopping a running job asks first (what is lost: name, elapsed, progress); canceling a waiting
// one acts at once and offers an Undo for a few seconds that puts it back exactly as it was.
import { NButton, useMessage } from 'naive-ui'
import { h, reactive } from 'vue'
import type { Job, Priority, Run } from '../../src-shared/domain'
import { call } from '../ipc'
import { useAccess } from './access'
import { askStop } from './confirm-stop'
import { useProblems } from './problems'

/** How long a queued cancel can be undone from its toast. */
export const UNDO_MS = 5000

export interface CancelOptions {
  title?: string
  /** The running run, for the confirm's elapsed time and progress. */
  run?: Pick<Run, 'startedAt' | 'progress'> | null
}

export interface JobActions {
  /** Job ids with a call under way. */
  busy: ReadonlySet<string>
  /** False when the operator kept a running job, or the call failed. */
  cancel(job: Pick<Job, 'id' | 'type' | 'status'>, options?: CancelOptions): Promise<boolean>
  retry(jobId: string, title?: string): Promise<boolean>
  setPriority(jobId: string, priority: Priority): Promise<boolean>
  /** Retries several jobs one after another; says how many went back to the queue. */
  retryMany(jobIds: readonly string[]): Promise<void>
}

export function useJobActions(): JobActions {
  const message = useMessage()
  const problems = useProblems()
  const busy = reactive(new Set<string>())
  const { can } = useAccess()

  async function guarded(id: string, what: string, action: () => Promise<void>): Promise<boolean> {
    busy.add(id)
    try {
      await action()
      return true
    } catch (e) {
      problems.show(what, e)
      return false
    } finally {
      busy.delete(id)
    }
  }

  function offerUndo(jobId: string, name: string): void {
    const toast = message.success(
      () =>
        h('span', { class: 'undo-toast', 'data-testid': 'cancel-toast' }, [
          `Canceled ${name} before it ran. `,
          h(
            NButton,
            {
              size: 'tiny',
              secondary: true,
              'data-testid': 'undo-cancel',
              onClick: () => {
                toast.destroy()
                void guarded(jobId, `Could not put ${name} back (job ${jobId})`, async () => {
                  await call('jobs.restore', { id: jobId })
                  message.success(`${name} waits again in its place.`, { duration: 3000 })
                })
              },
            },
            () => 'Undo',
          ),
        ]),
      { duration: UNDO_MS },
    )
  }

  return {
    busy,
    async cancel(job, options = {}) {
      const name = options.title ?? job.type
      if (job.status === 'running') {
        const stop = await askStop({ jobId: job.id, type: job.type, startedAt: options.run?.startedAt ?? new Date().toISOString(), progress: options.run?.progress ?? { percent: null, current: null, total: null, message: null } })
        if (!stop) return false
      }
      return guarded(job.id, `Could not cancel ${name} (job ${job.id})`, async () => {
        const result = await call('jobs.cancel', { id: job.id })
        if (result.action === 'requested') message.info(`Stopping ${name}: its processes were asked to end (SIGTERM, then SIGKILL after the grace period).`, { duration: 5000 })
        else if (can('jobs.restore')) offerUndo(job.id, name)
        else message.success(`Canceled ${name} before it ran.`, { duration: 3000 })
      })
    },
    retry(jobId, title) {
      return guarded(jobId, `Could not retry ${title ?? 'the job'} (job ${jobId})`, async () => {
        await call('jobs.retry', { id: jobId })
        message.success(`${title ?? 'The job'} is queued again; it runs as a new attempt.`, { duration: 3000 })
      })
    },
    setPriority(jobId, priority) {
      return guarded(jobId, `Could not change the priority of job ${jobId}`, async () => {
        await call('jobs.setPriority', { id: jobId, priority })
        message.success(`Priority set to ${priority}.`, { duration: 2000 })
      })
    },
    async retryMany(jobIds) {
      let ok = 0
      const failures: string[] = []
      for (const id of jobIds) {
        busy.add(id)
        try {
          await call('jobs.retry', { id })
          ok++
        } catch (e) {
          failures.push(`${id}: ${(e as Error).message}`)
        } finally {
          busy.delete(id)
        }
      }
      if (failures.length === 0) message.success(`Queued ${ok} failed job${ok === 1 ? '' : 's'} again.`, { duration: 4000 })
      else problems.show(`Queued ${ok} of ${jobIds.length} failed jobs again; ${failures.length} could not be retried`, new Error(failures.slice(0, 5).join('\n')))
    },
  }
}

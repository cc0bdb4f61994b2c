// Cancel, retry, reprioritise: the engine call, a busy mark per job while it is under way, a
// short confirmation, and a failure that says what to do next. The lists update from events.
import { useMessage } from 'naive-ui'
import { reactive } from 'vue'
import type { Job, Priority } from '../../src-shared/domain'
import { call } from '../ipc'
import { useProblems } from './problems'

export interface JobActions {
  /** Job ids with a call under way. */
  busy: ReadonlySet<string>
  cancel(job: Pick<Job, 'id' | 'type' | 'status'>, title?: string): Promise<boolean>
  retry(jobId: string, title?: string): Promise<boolean>
  setPriority(jobId: string, priority: Priority): Promise<boolean>
  /** Retries several jobs one after another; says how many went back to the queue. */
  retryMany(jobIds: readonly string[]): Promise<void>
}

export function useJobActions(): JobActions {
  const message = useMessage()
  const problems = useProblems()
  const busy = reactive(new Set<string>())

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

  return {
    busy,
    cancel(job, title) {
      const name = title ?? job.type
      return guarded(job.id, `Could not cancel ${name} (job ${job.id})`, async () => {
        const result = await call('jobs.cancel', { id: job.id })
        if (result.action === 'requested') message.info(`Stopping ${name}: its processes were asked to end (SIGTERM, then SIGKILL after the grace period).`, { duration: 5000 })
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

// "Start now" (jobs.startNow) as a rule both stores apply: only a job that waits may pass the
// resource gate once; a running or finished one is refused, naming its state.
import type { Job } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'

export function refuseStartNow(job: Pick<Job, 'id' | 'status'>): void {
  if (job.status === 'queued' || job.status === 'retrying') return
  const what = job.status === 'running' ? 'it is running already' : `it is ${job.status}; retry it to run it again`
  throw new JobdeckError('conflict', `job ${job.id} cannot start now: ${what} (start now applies to a queued or retrying job)`)
}

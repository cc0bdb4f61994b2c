// The jobs part of the API: enqueue (one, or many checked all first), cancel and restore, retry,
// priority, clearing finished ones, and the reads of one job and of finished jobs by status.
import { explainOne } from '../runner/wait-reasons'
import { JobReads } from '../store/sqlite/job-reads'
import type { NewJob } from '../store/store-types'
import type { ApiResults, JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'
import { jobParams, type BulkRowError } from './job-params'
import type { RunnerView } from './runner-view'
import { afterWrite, toEpoch, type ServiceDeps } from './service-deps'

export type { BulkRowError }

export type JobsApi = Pick<
  JobdeckApi,
  'jobs.enqueue' | 'jobs.enqueueBulk' | 'jobs.cancel' | 'jobs.restore' | 'jobs.retry' | 'jobs.setPriority' | 'jobs.startNow' | 'jobs.clear' | 'jobs.get' | 'jobs.list'
>

export function jobsServices(deps: ServiceDeps, view: RunnerView): JobsApi {
  const { store, writer } = deps
  const now = deps.now ?? Date.now
  const params = jobParams(deps)
  const jobReads = new JobReads(store.db)

  /**
   * A source's row is run by its own system's workers: Jobdeck only watches it, so it is never
   * cancelled, restored, retried or reprioritised here (a stuck one may be marked failed, opt-in:
   * sources.markFailed). Read from this file in both modes: source rows live only in it.
   */
  function refuseSourceRow(id: string, action: string): void {
    let job
    try {
      job = store.resolveJob(id)
    } catch {
      return // not here: the writer says what it knows of it
    }
    if (job.source === null) return
    throw new JobdeckError(
      'conflict',
      `${job.id} is row ${job.sourceId ?? '?'} of source ${job.source}, run by its own system's workers; Jobdeck only watches it and cannot ${action} it`,
    )
  }

  return {
    async 'jobs.enqueue'(args) {
      const job = params.newJob(args.type, params.checkedParams(args.type, args.params), args.priority)
      const [created] = await writer.enqueue([job], now())
      afterWrite(deps)
      return created as ApiResults['jobs.enqueue']
    },

    async 'jobs.enqueueBulk'(args) {
      const defs = params.typeOf(args.type).params
      const bad: BulkRowError[] = []
      const jobs: NewJob[] = []
      args.rows.forEach((row, index) => {
        const result = params.validated(defs, row)
        if (result.ok) jobs.push(params.newJob(args.type, result.params, args.priority))
        else bad.push({ row: index + 1, errors: result.errors })
      })
      if (bad.length > 0) {
        const first = bad
          .slice(0, 5)
          .map((b) => `row ${b.row}: ${b.errors.map((e) => e.message).join('; ')}`)
          .join('\n')
        throw new JobdeckError(
          'invalid_input',
          `${bad.length} of ${args.rows.length} rows are invalid; nothing was enqueued\n${first}${bad.length > 5 ? `\n… and ${bad.length - 5} more` : ''}`,
          bad,
        )
      }
      const created = await writer.enqueue(jobs, now())
      afterWrite(deps)
      return created
    },

    async 'jobs.cancel'(args) {
      refuseSourceRow(args.id, 'cancel')
      const result = await writer.cancel(args.id, now())
      afterWrite(deps)
      return result
    },

    async 'jobs.restore'(args) {
      refuseSourceRow(args.id, 'restore')
      const job = await writer.restore(args.id)
      afterWrite(deps)
      return job
    },

    async 'jobs.retry'(args) {
      refuseSourceRow(args.id, 'retry')
      const job = await writer.retry(args.id, now())
      afterWrite(deps)
      return job
    },

    async 'jobs.setPriority'(args) {
      refuseSourceRow(args.id, 'reprioritise')
      const job = await writer.setPriority(args.id, args.priority)
      afterWrite(deps)
      return job
    },

    async 'jobs.startNow'(args) {
      refuseSourceRow(args.id, 'start')
      const job = await writer.startNow(args.id)
      afterWrite(deps)
      return job
    },

    async 'jobs.clear'(args) {
      const before = toEpoch(args.before, 'before')
      const removed = await writer.clear(before, now())
      afterWrite(deps)
      return { removed }
    },

    async 'jobs.get'(args) {
      const job = store.resolveJob(args.id)
      const place = jobReads.place(job)
      const waitReason = place ? explainOne(job, place.aheadInLane, view.waitContext(store.listRunning().map((r) => r.run))) : null
      return { job, attempts: store.runsOfJob(job.id), position: place ? place.ahead + 1 : null, waitReason }
    },

    async 'jobs.list'(args) {
      const page = jobReads.list({
        status: args.status,
        ...(args.type ? { type: args.type } : {}),
        ...(args.source ? { source: args.source } : {}),
        ...(args.since !== undefined ? { since: toEpoch(args.since, 'since') } : {}),
        ...(args.until !== undefined ? { until: toEpoch(args.until, 'until') } : {}),
        ...(args.before ? { before: { at: toEpoch(args.before.at, 'before.at'), id: args.before.id } } : {}),
        limit: args.limit,
        countUpTo: args.countUpTo,
      })
      return { ...page, next: page.next ? { at: new Date(page.next.at).toISOString(), id: page.next.id } : null }
    },
  }
}

// The runs part of the API, the history: runs by filter (a page, or all of them as CSV), one run
// with its job and attempts, its output (from the shared database when another instance ran it),
// its resource use, the per-type stats and the timeline.
import type { ApiArgs, JobdeckApi } from '../../../src-shared/api'
import type { LogLine, LogStream } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { checkedSource } from './source-filter'
import { toEpoch, type ServiceDeps } from './service-deps'
import type { RunFilter } from '../store/store-types'

type RunFilterArgs = Partial<Pick<ApiArgs<'runs.count'>, 'type' | 'source' | 'status' | 'jobId' | 'since' | 'until' | 'search'>>

export type RunsApi = Pick<JobdeckApi, 'runs.list' | 'runs.export' | 'runs.get' | 'runs.log' | 'runs.usage' | 'runs.count' | 'stats.byType' | 'timeline.range' | 'timeline.extent'>

function sharedLogLine(row: { id: number; run_id: string; stream: string; at: number; text: string }): LogLine & { id: number } {
  return { id: row.id, runId: row.run_id, stream: row.stream as LogStream, at: new Date(row.at).toISOString(), text: row.text }
}

export function runsServices(deps: ServiceDeps): RunsApi {
  const { store, link } = deps
  const now = deps.now ?? Date.now

  /** A run id, or a job id standing for the job's latest run. */
  function runOf(id: string) {
    const run = store.findRun(id)
    if (run) return run
    const job = store.resolveJob(id)
    if (!job.lastRunId) throw new JobdeckError('not_found', `job ${job.id} has not run yet; it is ${job.status}`)
    return store.getRun(job.lastRunId)
  }

  /** The filter History's list, count and export share: the same rows, counted or exported. */
  function runFilter(args: RunFilterArgs, method: string): Omit<RunFilter, 'limit' | 'before'> {
    const source = checkedSource(deps, args.source, method)
    return {
      ...(args.type ? { type: args.type } : {}),
      ...(source !== undefined ? { source } : {}),
      ...(args.status ? { status: args.status } : {}),
      ...(args.jobId ? { jobId: args.jobId } : {}),
      ...(args.since !== undefined ? { since: toEpoch(args.since, 'since') } : {}),
      ...(args.until !== undefined ? { until: toEpoch(args.until, 'until') } : {}),
      ...(args.search ? { search: args.search } : {}),
    }
  }

  return {
    async 'runs.list'(args) {
      return store.listRuns({
        ...runFilter(args, 'runs.list'),
        ...(args.before ? { before: { startedAt: toEpoch(args.before.startedAt, 'before.startedAt'), id: args.before.id } } : {}),
        limit: args.limit,
      })
    },

    async 'runs.count'(args) {
      return store.countRuns(runFilter(args, 'runs.count'), args.countUpTo)
    },

    async 'runs.export'(args) {
      const runs = store.listRuns({ ...runFilter(args, 'runs.export'), limit: args.limit + 1 })
      const truncated = runs.length > args.limit
      const rows = truncated ? runs.slice(0, args.limit) : runs
      // Loaded on the first export, not at every engine start: the CSV writer costs ~6 ms to load.
      const { runsToCsv } = await import('./runs-csv')
      return { csv: runsToCsv(rows), rows: rows.length, truncated }
    },

    async 'stats.byType'() {
      return store.typeStats()
    },

    async 'timeline.range'(args) {
      const since = toEpoch(args.since, 'since')
      const until = toEpoch(args.until, 'until')
      if (until <= since) throw new JobdeckError('invalid_input', 'timeline.range: until must be after since')
      const source = checkedSource(deps, args.source, 'timeline.range')
      return store.timeline({ since, until, groupBy: args.groupBy, bucketMs: args.bucketMs, maxItems: args.maxItems, now: now(), ...(source ? { source } : {}) })
    },

    async 'timeline.extent'(args) {
      return store.timelineExtent(toEpoch(args.since, 'since'))
    },

    async 'runs.get'(args) {
      const run = runOf(args.id)
      return { run, job: store.getJob(run.jobId), attempts: store.runsOfJob(run.jobId) }
    },

    async 'runs.log'(args) {
      const run = runOf(args.id)
      if (args.tail !== undefined) {
        const { lines, earlier } = store.logTail(run.id, args.tail)
        if (lines.length > 0 || !link?.online) return { lines, truncated: run.logTruncated, earlier }
        // Another instance ran it: its output lives in the shared database only.
        const shared = await link.sharedLogs(run.id, 0, 100_000)
        const tail = shared.slice(-args.tail)
        return { lines: tail.map(sharedLogLine), truncated: run.logTruncated, earlier: shared.length - tail.length }
      }
      const lines = store.logs(run.id, args.afterId, args.limit)
      if (lines.length > 0 || args.afterId > 0 || !link?.online) return { lines, truncated: run.logTruncated }
      return { lines: (await link.sharedLogs(run.id, args.afterId, args.limit)).map(sharedLogLine), truncated: run.logTruncated }
    },

    async 'runs.usage'(args) {
      const run = runOf(args.id)
      return { runId: run.id, points: deps.monitorStore.runUsage(run.id), peakRssBytes: run.peakRssBytes, cpuSeconds: run.cpuSeconds }
    },
  }
}

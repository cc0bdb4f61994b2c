// Domain objects for the desktop layer's tests.
import { LOCAL_DATABASE, type DatabaseState } from '../../../src-shared/connection'
import type { Job, JobStatus, Run, RunnerStatus } from '../../../src-shared/domain'

export function job(id: string, status: JobStatus, extra: Partial<Job> = {}): Job {
  return {
    id,
    type: 'report',
    params: {},
    priority: 'normal',
    lane: 'default',
    status,
    attempts: 1,
    failures: 0,
    interruptions: 0,
    createdAt: '2026-03-01T10:00:00.000Z',
    runAfter: null,
    finishedAt: null,
    lastRunId: `R-${id}`,
    cancelRequested: false,
    schedule: null,
    source: null,
    sourceId: null,
    error: null,
    ...extra,
  }
}

export function run(id: string, jobId: string, percent: number | null = null): Run {
  return {
    id,
    jobId,
    type: 'report',
    status: 'running',
    attempt: 1,
    lane: 'default',
    params: {},
    queuedAt: '2026-03-01T10:00:00.000Z',
    startedAt: '2026-03-01T10:00:00.000Z',
    finishedAt: null,
    exitCode: null,
    signal: null,
    error: null,
    progress: { percent, current: null, total: null, message: null },
    itemsOk: null,
    itemsFailed: null,
    runnerId: 'me',
    pid: 1,
    logBytes: 0,
    logTruncated: false,
    peakRssBytes: null,
    cpuSeconds: null,
    processesStopped: 0,
    source: null,
    sourceId: null,
    startKind: 'recorded',
    stuckAt: null,
  }
}

export const LOCAL: DatabaseState = LOCAL_DATABASE

export function status(running: Array<[string, number | null]>, queued = 0, extra: Partial<RunnerStatus> = {}): RunnerStatus {
  const counts = { queued, running: running.length, retrying: 0, succeeded: 0, partial: 0, failed: 0, canceled: 0 }
  return {
    state: running.length > 0 ? 'running' : 'idle',
    paused: false,
    draining: false,
    runnerId: 'me',
    runnerPid: 1,
    running: running.map(([id, percent]) => ({ job: job(`J${id}`, 'running'), run: run(id, `J${id}`, percent), expected: null })),
    queued: [],
    limits: { concurrency: 1, maxConcurrency: 1, minConcurrency: 1, adaptive: false, concurrencyReason: null, lanes: {}, rates: {} },
    counts,
    health: null,
    breakers: [],
    connection: LOCAL,
    runners: [],
    ...extra,
  }
}

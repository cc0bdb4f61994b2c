// A run this runner is running: what it needs to follow it (progress, output limit, why it was
// stopped), and the result it hands over when it ends.
import type { JobTypeConfig, RetryPolicy } from '../../../src-shared/config-schema'
import type { Progress } from '../../../src-shared/domain'
import type { ExecutionResult } from '../executors/types'
import { decideAfterRun } from '../model/transitions'
import type { ClaimedWork, RunCompletion } from '../store/store-types'

export interface ActiveRun {
  claimed: ClaimedWork
  abort: AbortController
  progress: Progress
  itemsOk: number | null
  itemsFailed: number | null
  progressDirty: boolean
  lastProgressSave: number
  logLimit: number
  /**
   * shutdown: stop() hands it back to the queue; lost: another runner took it over (or may, its
   * lease being about to lapse unrenewed), so its result must not be reported.
   */
  cancelReason: 'operator' | 'shutdown' | 'lost' | null
  pid: number | null
  /** When the executor started the work. */
  startedAt: number | null
  /** Records the start if the run is still going after START_RECORD_DELAY_MS. */
  startTimer: NodeJS.Timeout | null
  done: Promise<void>
}

const EMPTY_PROGRESS: Progress = { percent: null, current: null, total: null, message: null }

export function newActiveRun(claimed: ClaimedWork, type: JobTypeConfig | undefined): ActiveRun {
  return {
    claimed,
    abort: new AbortController(),
    progress: { ...EMPTY_PROGRESS },
    itemsOk: null,
    itemsFailed: null,
    progressDirty: false,
    lastProgressSave: 0,
    logLimit: type?.logLimit ?? 1024 * 1024,
    cancelReason: null,
    pid: null,
    startedAt: null,
    startTimer: null,
    done: Promise.resolve(),
  }
}

interface Ending {
  runnerId: string
  /** When it ended (the claim of the slot it frees is made at the same instant). */
  now: number
  usage: { peakRssBytes: number | null; cpuSeconds: number | null }
  /** The type's retry policy; null when the type left the config. */
  retries: RetryPolicy | null
}

/** The result of a run that ended, with the job's next state decided (model/transitions.ts). */
export function completionOf(active: ActiveRun, result: ExecutionResult, end: Ending): RunCompletion {
  const { run, job } = active.claimed
  return {
    runId: run.id,
    runnerId: end.runnerId,
    now: end.now,
    outcome: result.outcome,
    exitCode: result.exitCode,
    signal: result.signal,
    error: result.error,
    progress: active.progress,
    itemsOk: result.itemsOk ?? active.itemsOk,
    itemsFailed: result.itemsFailed ?? active.itemsFailed,
    peakRssBytes: end.usage.peakRssBytes,
    cpuSeconds: end.usage.cpuSeconds,
    processesStopped: result.processesStopped ?? 0,
    startedAt: active.startedAt,
    transition: decideAfterRun({ outcome: result.outcome, error: result.error, now: end.now }, job.failures, end.retries),
  }
}

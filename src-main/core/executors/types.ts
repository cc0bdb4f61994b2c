// The contract between the runner and an executor. Executors are pluggable: the runner hands one
// run to an executor and gets back what happened; it never knows how the work was done.
import type { LogStream, Params, Progress } from '../../../src-shared/domain'

/**
 * An abort reason (`AbortController.abort(KILL_NOW)`): stop the work at once, without the grace
 * a cancel gets, because another copy may start any moment (a lease about to lapse).
 */
export const KILL_NOW = 'jobdeck:kill-now'

export interface ExecutionContext {
  runId: string
  jobId: string
  type: string
  attempt: number
  params: Params
  /** Aborted when the operator cancels the run. The executor stops its work and resolves. */
  signal: AbortSignal
  /** The work has started (for a command: the child was spawned). */
  onStarted(pid: number | null): void
  onProgress(progress: Progress): void
  /** Item totals so far (absolute, the last report wins). */
  onItems(ok: number, failed: number): void
  /** One line of output, without its newline. */
  onLog(stream: LogStream, text: string): void
}

export interface ExecutionResult {
  /** `canceled` only when ctx.signal aborted the work. */
  outcome: 'succeeded' | 'partial' | 'failed' | 'canceled'
  exitCode: number | null
  signal: string | null
  /** One-line summary for failed runs: what happened and, when known, why. */
  error: string | null
  timedOut: boolean
  itemsOk: number | null
  itemsFailed: number | null
  /**
   * Processes Jobdeck had to stop: at cancel or timeout, or left running after the main process
   * exited (found by their JOBDECK_RUN_ID even outside its tree). Executors without processes: 0.
   */
  processesStopped?: number
}

export interface Executor {
  execute(ctx: ExecutionContext): Promise<ExecutionResult>
}

// What the rest of the core needs from a runner, local (SQLite) or shared (PostgreSQL).
export interface QueueRunner {
  readonly runnerId: string
  readonly isPaused: boolean
  readonly runningCount: number
  readonly draining: boolean
  /** Stops (or resumes) claiming new jobs in this process only; running jobs go on. */
  setDraining(draining: boolean): void
  state(): 'running' | 'idle' | 'paused' | 'stopped'
  /** Another writer changed something (enqueue, cancel, pause): look again. */
  refresh(): void | Promise<void>
  /** Starts whatever may start now. */
  tick(): void
  activeRuns(): Array<{ runId: string; jobId: string; type: string; pid: number | null; startedAt: number }>
  whenIdle(): Promise<void>
  stop(): Promise<void>
}

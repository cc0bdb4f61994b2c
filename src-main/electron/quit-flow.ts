// Closing and quitting, decided without Electron.
//  - Closing the window hides it (jobs keep running, the tray stays); the first time, a hint says
//    so. With "closing quits" set, closing quits instead.
//  - Quitting while this runner has runs going asks: wait for them (this runner stops taking new
//    jobs — `runner.drain`, never a pause, which in shared mode would stop every instance), cancel them, or quit now and leave them to be
//    marked interrupted (the engine's normal shutdown: interrupted runs are queued again unless
//    their type says `onInterrupt: fail`). Or not quit after all.
import type { RunnerStatus } from '../../src-shared/domain'

/** The runs of this process's runner (in shared mode the status lists every runner's runs). */
export function ownRuns(status: RunnerStatus): RunnerStatus['running'] {
  return !status.runnerId ? status.running : status.running.filter(({ run }) => run.runnerId === status.runnerId)
}
import { formatDuration } from '../../src-shared/units'

export interface CloseInput {
  /** A quit is under way (approved): let windows close. */
  quitting: boolean
  quitOnClose: boolean
  closeHintShown: boolean
}

export type CloseDecision = { action: 'close' } | { action: 'quit' } | { action: 'hide'; hint: boolean }

export function decideClose(input: CloseInput): CloseDecision {
  if (input.quitting) return { action: 'close' }
  if (input.quitOnClose) return { action: 'quit' }
  return { action: 'hide', hint: !input.closeHintShown }
}

export const CLOSE_HINT = {
  title: 'Jobdeck is still running',
  body: 'Jobs keep running in the background. Open the window from the tray icon (or start Jobdeck again); quit from the tray menu. Settings can make closing quit instead.',
} as const

export type QuitChoice = 'wait' | 'cancel' | 'leave' | 'stay'

export interface QuitDialog {
  type: 'question'
  title: string
  message: string
  detail: string
  buttons: string[]
  /** What each button means, by index. */
  choices: QuitChoice[]
  defaultId: number
  cancelId: number
}

export interface RunningSummary {
  type: string
  percent: number | null
  startedAt: string
}

export function quitDialog(running: RunningSummary[], options: { now?: number; titleOf?: (type: string) => string | undefined } = {}): QuitDialog {
  const n = running.length
  const one = n === 1
  const lines = running.slice(0, 8).map((run) => {
    const title = options.titleOf?.(run.type) ?? run.type
    if (run.percent !== null) return `• ${title} — ${Math.round(run.percent)}%`
    const started = Date.parse(run.startedAt)
    return options.now !== undefined && Number.isFinite(started) ? `• ${title} — running ${formatDuration(options.now - started)}` : `• ${title}`
  })
  if (n > 8) lines.push(`• …and ${n - 8} more`)
  const it = one ? 'it' : 'they'
  return {
    type: 'question',
    title: 'Quit Jobdeck',
    message: one ? 'A job is running. Quit anyway?' : `${n} jobs are running. Quit anyway?`,
    detail: [
      ...lines,
      '',
      `Wait: no new job starts; Jobdeck quits when ${one ? 'it finishes' : 'they finish'} and starts the queue again next time.`,
      `Cancel: ${it} ${one ? 'is' : 'are'} stopped and marked canceled.`,
      `Quit now: ${it} ${one ? 'is' : 'are'} stopped and marked interrupted, and run again at the next start (unless the job type says otherwise).`,
    ].join('\n'),
    buttons: [one ? 'Wait for it to finish' : 'Wait for them to finish', one ? 'Cancel it and quit' : 'Cancel them and quit', 'Quit now (mark interrupted)', "Don't quit"],
    choices: ['wait', 'cancel', 'leave', 'stay'],
    defaultId: 0,
    cancelId: 3,
  }
}

export interface QuitFlowDeps {
  /** This runner's status now; null when the engine does not answer (then there is nothing to wait for). */
  status(): Promise<RunnerStatus | null>
  /** Shows the dialog; resolves with the index of the button pressed. */
  ask(dialog: QuitDialog): Promise<number>
  /** This runner takes no new jobs (the others sharing the queue go on). */
  stopClaiming(): Promise<void>
  cancelJob(jobId: string): Promise<void>
  /** Resolves once this runner has no run going. */
  waitUntilIdle(): Promise<void>
  /** Stops the engine (running jobs are stopped and marked interrupted). */
  stopEngine(): Promise<void>
  /** Tells the tray what the quit waits for. */
  onProgress?(state: 'waiting' | 'canceling' | null): void
  /** Quits the app for real (the next beforeQuit() says yes). */
  quit(): void
  now?: () => number
  titleOf?: (type: string) => string | undefined
  log?: (line: string) => void
}

type FlowState = 'idle' | 'asking' | 'waiting' | 'canceling' | 'stopping' | 'done'

/**
 * Drives app quit. `beforeQuit()` answers Electron's `before-quit`: true lets the quit go on;
 * false means it must be prevented while the flow asks, waits or stops the engine — the flow
 * calls deps.quit() itself when done.
 */
export class QuitFlow {
  private current: FlowState = 'idle'
  /** Bumped by each decision, so a superseded wait does not quit later. */
  private generation = 0

  constructor(private readonly deps: QuitFlowDeps) {}

  get state(): FlowState {
    return this.current
  }

  /** True once the quit is approved and the engine stopped: windows may close. */
  get quitting(): boolean {
    return this.current === 'done' || this.current === 'stopping'
  }

  beforeQuit(): boolean {
    if (this.current === 'done') return true
    if (this.current === 'asking' || this.current === 'stopping') return false
    void this.ask()
    return false
  }

  /** The OS is ending the session: no questions, running jobs are left to be marked interrupted. */
  forceQuit(): boolean {
    if (this.current === 'done') return true
    if (this.current !== 'stopping') void this.stop()
    return false
  }

  private async ask(): Promise<void> {
    const before = this.current
    this.current = 'asking'
    let status: RunnerStatus | null = null
    try {
      status = await this.deps.status()
    } catch {
      status = null
    }
    const running = status ? ownRuns(status) : []
    if (running.length === 0) return this.stop()
    const dialog = quitDialog(
      running.map(({ run }) => ({ type: run.type, percent: run.progress.percent, startedAt: run.startedAt })),
      { now: (this.deps.now ?? Date.now)(), ...(this.deps.titleOf ? { titleOf: this.deps.titleOf } : {}) },
    )
    const asked = this.generation
    const choice = dialog.choices[await this.deps.ask(dialog)] ?? 'stay'
    // A wait that ended meanwhile already quit.
    if (asked !== this.generation) return
    if (choice === 'stay') {
      // Not quitting after all; a wait or cancel already under way goes on.
      this.current = before
      return
    }
    if (choice === 'leave') return this.stop()
    return this.drain(choice, status as RunnerStatus, ++this.generation)
  }

  private async drain(choice: 'wait' | 'cancel', status: RunnerStatus, generation: number): Promise<void> {
    const log = this.deps.log ?? (() => {})
    this.current = choice === 'wait' ? 'waiting' : 'canceling'
    this.deps.onProgress?.(this.current)
    try {
      if (!status.paused) await this.deps.stopClaiming()
      if (choice === 'cancel') await Promise.all(ownRuns(status).map(({ job }) => this.deps.cancelJob(job.id)))
      await this.deps.waitUntilIdle()
    } catch (error) {
      log(`quit: ${(error as Error).message}; quitting now, running jobs are marked interrupted`)
    }
    if (generation !== this.generation) return
    return this.stop()
  }

  private async stop(): Promise<void> {
    this.generation++
    this.current = 'stopping'
    this.deps.onProgress?.(null)
    try {
      await this.deps.stopEngine()
    } finally {
      this.current = 'done'
      this.deps.quit()
    }
  }
}

export interface WaitUntilIdleOptions {
  status(): Promise<RunnerStatus | null>
  /** Subscribes to engine events; returns the unsubscribe function. */
  subscribe(listener: (name: string) => void): () => void
  /** Also looks this often, in case an event was missed. */
  pollMs?: number
}

/** Resolves once runner.status shows no run of this runner (or the engine is gone). */
export function waitUntilIdle({ status, subscribe, pollMs = 5_000 }: WaitUntilIdleOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false
    let checking = false
    let again = false
    const finish = (): void => {
      done = true
      clearInterval(timer)
      unsubscribe()
      resolve()
    }
    const check = async (): Promise<void> => {
      if (done) return
      if (checking) {
        again = true
        return
      }
      checking = true
      try {
        const now = await status().catch(() => null)
        if (now === null || ownRuns(now).length === 0) return finish()
      } finally {
        checking = false
      }
      if (again && !done) {
        again = false
        void check()
      }
    }
    const unsubscribe = subscribe((name) => {
      if (name === 'run.changed' || name === 'job.changed' || name === 'runner.changed') void check()
    })
    const timer = setInterval(() => void check(), pollMs)
    void check()
  })
}

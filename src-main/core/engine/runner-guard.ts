// Starts the runner unless another process holds the data dir's runner lock. Then this process
// stays in standby: it still serves reads and enqueues, follows the other runner's commits (so
// its events reach the UI), and takes the runner over once the lock is free.
import { JobdeckError } from '../../../src-shared/errors'
import type { Core } from '../core'

export interface RunnerGuard {
  readonly state: 'running' | 'standby'
  /** Why the runner is in standby (who holds the lock); null while running. */
  readonly message: string | null
  /** Stops following and retrying (call before core.close()). */
  stop(): void
}

export interface RunnerGuardOptions {
  /** How often a standby process tries to take the lock; 0 never retries. */
  retryMs?: number
  /** How often a standby process looks for commits by the runner holding the lock. */
  followMs?: number
  log?: (line: string) => void
  /** Called when a standby process took the runner over. */
  onTakeOver?: () => void
}

export function startRunnerWhenFree(core: Core, options: RunnerGuardOptions = {}): RunnerGuard {
  const { retryMs = 5_000, followMs = 250, log = () => {}, onTakeOver } = options
  let state: RunnerGuard['state'] = 'standby'
  let message: string | null = null
  const timers: NodeJS.Timeout[] = []
  const clear = (): void => {
    for (const t of timers.splice(0)) clearInterval(t)
  }

  const tryStart = (): boolean => {
    try {
      core.startRunner()
      state = 'running'
      message = null
      return true
    } catch (error) {
      if (error instanceof JobdeckError && error.code === 'locked') {
        message = error.message
        return false
      }
      throw error
    }
  }

  if (!tryStart()) {
    log(`runner in standby: ${message}; serving reads and enqueues, not running jobs`)
    let version = core.store.dataVersion()
    timers.push(
      setInterval(() => {
        try {
          const now = core.store.dataVersion()
          if (now === version) return
          version = now
          core.publishChanges()
        } catch (error) {
          log(`could not follow the other runner: ${(error as Error).message}`)
        }
      }, followMs),
    )
    if (retryMs > 0) {
      timers.push(
        setInterval(() => {
          try {
            if (!tryStart()) return
          } catch (error) {
            log(`could not start the runner: ${(error as Error).message}`)
            return
          }
          clear()
          log('the other runner is gone: this process runs jobs now')
          onTakeOver?.()
        }, retryMs),
      )
    }
  }

  return {
    get state() {
      return state
    },
    get message() {
      return message
    },
    stop: clear,
  }
}

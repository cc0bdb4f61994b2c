// The callers that are not API tokens: the owner of the data dir, in each of its guises. They are
// admin: whoever runs the app, the CLI or opens the URL `jobdeck serve` printed owns the data.
import os from 'node:os'
import type { Caller } from '../../../src-shared/access'

/** The desktop app's window (through IPC and the engine process). */
export const DESKTOP: Caller = Object.freeze({ who: 'desktop', role: 'admin' })

/** The browser session opened with the URL `jobdeck serve` printed (its token or cookie). */
export const BROWSER_OWNER: Caller = Object.freeze({ who: 'browser', role: 'admin' })

/** A `jobdeck` command in a shell: `cli:user@host`. */
export function cliCaller(user: string = safeUser(), host: string = os.hostname()): Caller {
  return { who: `cli:${user}@${host}`, role: 'admin' }
}

/** A schedule's fire (recorded by the scheduler, never through a transport). */
export function scheduleCaller(name: string): Caller {
  return { who: `schedule:${name}`, role: 'operator' }
}

function safeUser(): string {
  try {
    return os.userInfo().username
  } catch {
    // A uid without a passwd entry (containers).
    return process.env.USER ?? process.env.LOGNAME ?? `uid${process.getuid?.() ?? '?'}`
  }
}

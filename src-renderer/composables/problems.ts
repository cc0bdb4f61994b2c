// Every failure the app shows says what happened, why if known, and what to do next (UI.md).
// `describeProblem` turns an ApiError (or anything thrown) into those three parts;
// `useProblems` shows them as a naive-ui message that stays until read.
import { useMessage } from 'naive-ui'
import { h } from 'vue'
import type { ErrorCode } from '../../src-shared/errors'

export interface Problem {
  /** What happened: "Could not cancel the job". */
  what: string
  /** Why, when known: the engine's message. */
  why: string | null
  /** What the operator can do next. */
  next: string
}

const NEXT_STEP: Record<ErrorCode, string> = {
  invalid_input: 'Correct the input and try again.',
  not_found: 'It may have been cleared meanwhile; the lists show what exists now.',
  conflict: 'It changed state meanwhile; the lists now show its current state.',
  config_invalid: 'Fix the config file (Settings lists its errors with line and column) and reload it.',
  locked: 'Another Jobdeck holds this data dir: stop it, or start this one with its own --data-dir.',
  unavailable:
    'Jobdeck could not be reached. Check that the app or `jobdeck serve` is still running; the connection comes back by itself, then try again.',
  unauthorized: 'Log in again with a valid token (it may have expired or been revoked).',
  forbidden: 'Your role may not do this; ask an admin for a token with a stronger role.',
  internal: 'This is a bug in Jobdeck; the engine output has details. Try again, and report it if it persists.',
}

function codeOf(error: unknown): ErrorCode | null {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code in NEXT_STEP ? (code as ErrorCode) : null
}

/** `what` is the action that failed, phrased as "Could not …". */
export function describeProblem(what: string, error: unknown): Problem {
  const code = codeOf(error)
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : null
  return {
    what,
    why: raw && raw.trim() !== '' ? raw : null,
    next: code ? NEXT_STEP[code] : 'Try again; if it keeps failing, the engine output says more.',
  }
}

export interface Problems {
  /** Shows a failure as a message that stays until closed. */
  show(what: string, error: unknown): Problem
}

export function useProblems(): Problems {
  const message = useMessage()
  return {
    show(what, error) {
      const problem = describeProblem(what, error)
      message.error(
        () =>
          h('div', { class: 'problem', 'data-testid': 'problem' }, [
            h('div', { class: 'problem-what' }, problem.what),
            problem.why ? h('div', { class: 'problem-why' }, problem.why) : null,
            h('div', { class: 'problem-next' }, problem.next),
          ]),
        { closable: true, duration: 12_000, keepAliveOnHover: true },
      )
      return problem
    },
  }
}

// The engine process protocol (DESIGN.md "Processes"): the parent sends calls (and a shutdown
// request); the engine answers each call by id, pushes every core event, says `ready` once it
// serves, or `fatal` when it cannot start. The same messages go over child_process.fork (tests,
// headless) and Electron's utilityProcess (desktop).
import type { ErrorInfo } from '../../../src-shared/errors'
import {
  isCallMessage,
  isEventPushMessage,
  isResultMessage,
  type CallMessage,
  type EventPushMessage,
  type ResultMessage,
} from '../../../src-shared/wire'

export type { CallMessage, EventPushMessage, ResultMessage }

export interface ShutdownMessage {
  kind: 'shutdown'
}

/** What the engine reports once it serves calls. */
export interface EngineInfo {
  pid: number
  dataDir: string
  configPath: string
  /** `running`: this engine runs jobs; `standby`: another process holds the runner lock. */
  runner: 'running' | 'standby'
  /** Why the runner is in standby (who holds the lock), else null. */
  runnerMessage: string | null
}

export interface ReadyMessage {
  kind: 'ready'
  info: EngineInfo
}

export interface FatalMessage {
  kind: 'fatal'
  error: ErrorInfo
}

export type ToEngine = CallMessage | ShutdownMessage
export type FromEngine = ResultMessage | EventPushMessage | ReadyMessage | FatalMessage

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

export function parseToEngine(value: unknown): ToEngine | null {
  if (isCallMessage(value)) return value
  if (isObject(value) && value.kind === 'shutdown') return { kind: 'shutdown' }
  return null
}

export function parseFromEngine(value: unknown): FromEngine | null {
  if (isResultMessage(value) || isEventPushMessage(value)) return value
  if (!isObject(value)) return null
  if (value.kind === 'ready' && isObject(value.info)) return value as unknown as ReadyMessage
  if (value.kind === 'fatal' && isObject(value.error)) return value as unknown as FatalMessage
  return null
}

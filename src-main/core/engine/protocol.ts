// The engine process protocol (DESIGN.md "Processes"): the parent sends calls (and a shutdown
// request); the engine answers each call by id, pushes every core event, says `ready` once it
// serves, or `fatal` when it cannot start. The other way, the engine asks the parent's secret
// store (the desktop keychain, which only the main process can use) and the parent answers by id. The same messages go over child_process.fork (tests,
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
  /** The SQLite library's version in the engine (the app's diagnostics). */
  sqlite?: string
}

export interface ReadyMessage {
  kind: 'ready'
  info: EngineInfo
}

export interface FatalMessage {
  kind: 'fatal'
  error: ErrorInfo
}

/** One operation of the secret port (core/secrets/secret-store.ts), asked of the parent's store. */
export type SecretRequest =
  | { op: 'get' | 'has' | 'delete'; key: string }
  | { op: 'set'; key: string; value: string; allowInsecure: boolean }

export type SecretRequestMessage = { kind: 'secret'; id: number } & SecretRequest

export type SecretReplyMessage =
  | { kind: 'secretReply'; id: number; ok: true; value: string | boolean | null }
  | { kind: 'secretReply'; id: number; ok: false; error: string }

export type ToEngine = CallMessage | ShutdownMessage | SecretReplyMessage
export type FromEngine = ResultMessage | EventPushMessage | ReadyMessage | FatalMessage | SecretRequestMessage

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

export function parseToEngine(value: unknown): ToEngine | null {
  if (isCallMessage(value)) return value
  if (!isObject(value)) return null
  if (value.kind === 'shutdown') return { kind: 'shutdown' }
  if (value.kind === 'secretReply' && Number.isSafeInteger(value.id) && typeof value.ok === 'boolean') {
    if (value.ok) {
      const answer = value.value
      return typeof answer === 'string' || typeof answer === 'boolean' || answer === null ? { kind: 'secretReply', id: value.id as number, ok: true, value: answer } : null
    }
    return { kind: 'secretReply', id: value.id as number, ok: false, error: typeof value.error === 'string' ? value.error : 'the secret store failed' }
  }
  return null
}

export function parseFromEngine(value: unknown): FromEngine | null {
  if (isResultMessage(value) || isEventPushMessage(value)) return value
  if (!isObject(value)) return null
  if (value.kind === 'ready' && isObject(value.info)) return value as unknown as ReadyMessage
  if (value.kind === 'fatal' && isObject(value.error)) return value as unknown as FatalMessage
  if (value.kind === 'secret' && Number.isSafeInteger(value.id) && typeof value.key === 'string') {
    const id = value.id as number
    const key = value.key
    if (value.op === 'get' || value.op === 'has' || value.op === 'delete') return { kind: 'secret', id, op: value.op, key }
    if (value.op === 'set' && typeof value.value === 'string') return { kind: 'secret', id, op: 'set', key, value: value.value, allowInsecure: value.allowInsecure === true }
  }
  return null
}

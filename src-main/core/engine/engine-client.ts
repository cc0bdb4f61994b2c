// The parent's side of the engine protocol, over any message port (child_process.fork in tests
// and headless use, Electron's utilityProcess in the app). Calls are correlated by id and queued
// until the engine says `ready`; if the engine dies every pending call resolves `unavailable`.
// The engine's requests to the secret port are answered from `secrets` (the desktop keychain).
import type { ChildProcess } from 'node:child_process'
import type { ApiInput, ApiMethod, ApiResults } from '../../../src-shared/api'
import type { ApiResult } from '../../../src-shared/bridge'
import type { ErrorInfo } from '../../../src-shared/errors'
import type { EventMap, EventName } from '../../../src-shared/events'
import { unavailable, type CallResult } from '../../../src-shared/wire'
import type { SecretStore } from '../secrets/secret-store'
import { parseFromEngine, type EngineInfo, type ToEngine } from './protocol'
import { answerSecretRequest } from './secret-port'

export interface EngineClientPort {
  send(message: ToEngine): void
  onMessage(listener: (message: unknown) => void): void
  onExit(listener: (code: number | null) => void): void
}

export type AnyEventListener = (name: string, payload: unknown) => void

export interface EngineClientOptions {
  /** The store the engine's secret port reaches (the desktop keychain); without it the engine is refused. */
  secrets?: SecretStore
}

/** What transports need from an engine: calls and events (an EngineClient, or a supervisor of several in turn). */
export interface EngineConnection {
  callRaw(method: string, args: unknown): Promise<CallResult>
  onAny(listener: AnyEventListener): () => void
}

interface Pending {
  method: string
  resolve: (result: CallResult) => void
}

export class EngineClient implements EngineConnection {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private queue: Array<{ id: number; message: ToEngine }> = []
  private readonly listeners = new Set<AnyEventListener>()
  private readonly exitListeners = new Set<(code: number | null) => void>()
  private engineInfo: EngineInfo | null = null
  private fatal: ErrorInfo | null = null
  private exited = false
  private exitCode: number | null = null
  private shutdownRequested = false
  private resolveReady!: (info: EngineInfo) => void
  private rejectReady!: (error: Error) => void
  /** Resolves with the engine's info once it serves; rejects if it dies first. */
  readonly ready: Promise<EngineInfo>

  constructor(
    private readonly port: EngineClientPort,
    private readonly options: EngineClientOptions = {},
  ) {
    this.ready = new Promise<EngineInfo>((resolve, reject) => {
      this.resolveReady = resolve
      this.rejectReady = reject
    })
    this.ready.catch(() => undefined) // observed through calls and onExit as well
    port.onMessage((raw) => this.receive(raw))
    port.onExit((code) => this.died(code))
  }

  get info(): EngineInfo | null {
    return this.engineInfo
  }

  get alive(): boolean {
    return !this.exited
  }

  /** The error the engine reported before dying, if it did. */
  get fatalError(): ErrorInfo | null {
    return this.fatal
  }

  /** Typed call; the result is what the transport carries (`{ok, value}` or `{ok: false, error}`). */
  call<M extends ApiMethod>(method: M, args: ApiInput<M>): Promise<ApiResult<ApiResults[M]>> {
    return this.callRaw(method, args) as Promise<ApiResult<ApiResults[M]>>
  }

  /** Untyped call for relays: the engine checks the method and input. Never rejects. */
  callRaw(method: string, args: unknown): Promise<CallResult> {
    if (this.exited) return Promise.resolve(this.unavailable(method))
    return new Promise<CallResult>((resolve) => {
      const id = this.nextId++
      this.pending.set(id, { method, resolve })
      const message: ToEngine = { kind: 'call', id, method, args }
      if (this.engineInfo) this.transmit(id, message)
      else this.queue.push({ id, message })
    })
  }

  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    return this.onAny((name, payload) => {
      if (name === event) listener(payload as EventMap[E])
    })
  }

  onAny(listener: AnyEventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  onExit(listener: (code: number | null) => void): () => void {
    if (this.exited) {
      listener(this.exitCode)
      return () => {}
    }
    this.exitListeners.add(listener)
    return () => this.exitListeners.delete(listener)
  }

  /** Asks the engine to stop (it re-queues running jobs and exits). */
  shutdown(): void {
    if (this.exited) return
    if (!this.engineInfo) {
      // Not listening yet: sent once it says ready.
      this.shutdownRequested = true
      return
    }
    try {
      this.port.send({ kind: 'shutdown' })
    } catch {
      // already gone: onExit follows
    }
  }

  private transmit(id: number, message: ToEngine): void {
    try {
      this.port.send(message)
    } catch (error) {
      const pending = this.pending.get(id)
      this.pending.delete(id)
      pending?.resolve(unavailable(`${pending.method}: the engine cannot be reached (${(error as Error).message})`))
    }
  }

  private receive(raw: unknown): void {
    const message = parseFromEngine(raw)
    if (message === null) return
    switch (message.kind) {
      case 'result': {
        const pending = this.pending.get(message.id)
        if (!pending) return
        this.pending.delete(message.id)
        pending.resolve(message.result)
        return
      }
      case 'event':
        for (const listener of this.listeners) {
          try {
            listener(message.name, message.payload)
          } catch (error) {
            console.error(`jobdeck: an engine event listener threw on ${message.name}`, error)
          }
        }
        return
      case 'ready': {
        this.engineInfo = message.info
        const queued = this.queue
        this.queue = []
        for (const { id, message: call } of queued) this.transmit(id, call)
        this.resolveReady(message.info)
        if (this.shutdownRequested) this.shutdown()
        return
      }
      case 'fatal':
        this.fatal = message.error
        return
      case 'secret':
        void answerSecretRequest(this.options.secrets, message).then((reply) => {
          if (this.exited) return
          try {
            this.port.send(reply)
          } catch {
            // gone meanwhile: its exit ends what waited
          }
        })
        return
    }
  }

  private unavailable(method: string): CallResult {
    const why = this.fatal ? `: ${this.fatal.message}` : this.exitCode !== null ? ` (exit code ${this.exitCode})` : ''
    return unavailable(`${method}: the engine stopped before answering${why}`)
  }

  private died(code: number | null): void {
    if (this.exited) return
    this.exited = true
    this.exitCode = code
    this.queue = []
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const { method, resolve } of pending) resolve(this.unavailable(method))
    this.rejectReady(new Error(this.fatal?.message ?? `the engine exited (code ${code ?? 'unknown'}) before it was ready`))
    for (const listener of this.exitListeners) listener(code)
    this.exitListeners.clear()
  }
}

/** The port of an engine started with child_process.fork. */
export function childProcessPort(child: ChildProcess): EngineClientPort {
  return {
    send(message) {
      if (!child.connected) throw new Error('the engine process is not connected')
      child.send(message, (error) => {
        // The process is going away; its exit resolves the pending call.
        if (error) console.error(`jobdeck: could not send to the engine: ${error.message}`)
      })
    },
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.once('exit', (code) => listener(code)),
  }
}

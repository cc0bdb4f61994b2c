// The desktop app's engine (DESIGN.md "Processes"): out/main/engine.js in an Electron
// utilityProcess, started after `ready`, restarted with backoff when it dies, stopped on quit.
// Callers see one stable connection across restarts; calls made while no engine is up resolve
// `unavailable` rather than waiting for one. The engine's secret port is answered from `secrets`
// (the keychain, which only this process can use).
import { utilityProcess } from 'electron'
import type { ApiInput, ApiMethod, ApiResults } from '../../src-shared/api'
import { backoffDelay } from '../../src-shared/backoff'
import type { ApiResult } from '../../src-shared/bridge'
import type { EventMap, EventName } from '../../src-shared/events'
import { unavailable, type CallResult } from '../../src-shared/wire'
import { EngineClient, type AnyEventListener, type EngineConnection } from '../core/engine/engine-client'
import { engineArgv } from '../core/engine/engine-options'
import { KEYCHAIN_VARIABLE } from '../core/engine/secret-port'
import type { SecretStore } from '../core/secrets/secret-store'
import type { EngineInfo } from '../core/engine/protocol'

/** The part of Electron's UtilityProcess used here (a fake in tests). */
export interface UtilityProcessLike {
  readonly pid?: number | undefined
  postMessage(message: unknown): void
  on(event: 'message', listener: (message: unknown) => void): unknown
  on(event: 'exit', listener: (code: number) => void): unknown
  kill(): boolean
}

export type ForkUtility = (
  modulePath: string,
  args: string[],
  options: { serviceName: string; stdio: 'inherit'; env?: NodeJS.ProcessEnv },
) => UtilityProcessLike

export interface Backoff {
  initialMs: number
  maxMs: number
  /** An engine that stayed up this long resets the backoff. */
  stableMs: number
}

export interface EngineProcessOptions {
  /** out/main/engine.js */
  enginePath: string
  dataDir?: string
  configPath?: string
  /** The engine writes its own rotating log there (engine.log beside main.log); else its stderr. */
  logFile?: string
  fork?: ForkUtility
  backoff?: Partial<Backoff>
  /** How long stop() waits for a clean exit (running jobs are stopped first) before killing. */
  stopTimeoutMs?: number
  log?: (line: string) => void
  /**
   * Variables added to the inherited environment, asked for at every (re)start: e.g. PGPASSWORD
   * from the keychain, which only the main process can read.
   */
  env?: () => Record<string, string>
  /** The keychain: where the engine's connection.save keeps a password and connection.test finds one. */
  secrets?: SecretStore
  /** Every (re)start, with its client: e.g. to tell the window the engine is back. */
  onStart?: (client: EngineClient) => void
}

export interface EngineProcess extends EngineConnection {
  call<M extends ApiMethod>(method: M, args: ApiInput<M>): Promise<ApiResult<ApiResults[M]>>
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void
  /** The running engine's info once ready, else null. */
  readonly info: EngineInfo | null
  readonly restarts: number
  /** Asks the engine to shut down (it re-queues running jobs), kills it after the timeout. No restarts after. */
  stop(): Promise<void>
}

/** Delay before restart number `attempt` (1-based): doubling from initialMs up to maxMs. */
export function restartDelay(attempt: number, backoff: Backoff): number {
  return backoffDelay({ baseMs: backoff.initialMs, maxMs: backoff.maxMs }, attempt)
}

const defaultFork: ForkUtility = (modulePath, args, options) => utilityProcess.fork(modulePath, args, options)

export function startEngineProcess(options: EngineProcessOptions): EngineProcess {
  const backoff: Backoff = { initialMs: 500, maxMs: 30_000, stableMs: 60_000, ...options.backoff }
  const fork = options.fork ?? defaultFork
  const log = options.log ?? ((line: string) => console.error(`jobdeck: ${line}`))
  const listeners = new Set<AnyEventListener>()
  let client: EngineClient | null = null
  let child: UtilityProcessLike | null = null
  let failures = 0
  let restarts = 0
  let stopping: Promise<void> | null = null
  let restartTimer: ReturnType<typeof setTimeout> | null = null
  /** Why the last engine died, for the callers told it is restarting. */
  let lastError: string | null = null

  const spawn = (): void => {
    restartTimer = null
    const startedAt = Date.now()
    let proc: UtilityProcessLike
    try {
      const extra = {
        ...options.env?.(),
        // Its protection as it is now: whether a password may be kept at all is known before asking.
        ...(options.secrets ? { [KEYCHAIN_VARIABLE]: options.secrets.protection() } : {}),
      }
      proc = fork(options.enginePath, engineArgv(options), {
        serviceName: 'Jobdeck engine',
        stdio: 'inherit',
        ...(Object.keys(extra).length > 0 ? { env: { ...process.env, ...extra } } : {}),
      })
    } catch (error) {
      log(`could not start the engine: ${(error as Error).message}`)
      scheduleRestart(0)
      return
    }
    child = proc
    const current = new EngineClient(
      {
        send: (message) => proc.postMessage(message),
        onMessage: (listener) => void proc.on('message', listener),
        onExit: (listener) => void proc.on('exit', (code) => listener(code)),
      },
      options.secrets ? { secrets: options.secrets } : {},
    )
    client = current
    current.onAny((name, payload) => {
      for (const listener of listeners) listener(name, payload)
    })
    current.ready.then(
      (info) => {
        if (info.runner === 'standby') log(`engine ${info.pid} in standby: ${info.runnerMessage ?? 'another runner holds the lock'}`)
      },
      () => undefined,
    )
    current.onExit((code) => {
      if (client === current) client = null
      if (child === proc) child = null
      if (stopping) return
      const uptime = Date.now() - startedAt
      lastError = current.fatalError?.message ?? `it exited with code ${code}`
      log(`the engine exited (code ${code}) after ${Math.round(uptime / 1000)} s${current.fatalError ? `: ${current.fatalError.message}` : ''}`)
      scheduleRestart(uptime)
    })
    options.onStart?.(current)
  }

  const scheduleRestart = (uptime: number): void => {
    if (stopping) return
    failures = uptime >= backoff.stableMs ? 1 : failures + 1
    const delay = restartDelay(failures, backoff)
    log(`restarting the engine in ${delay} ms`)
    restartTimer = setTimeout(() => {
      restarts++
      spawn()
    }, delay)
  }

  spawn()

  const callRaw = (method: string, args: unknown): Promise<CallResult> =>
    client && !stopping
      ? client.callRaw(method, args)
      : Promise.resolve(
          unavailable(`${method}: the engine is ${stopping ? 'stopping' : `restarting${lastError ? ` (${lastError})` : ''}`}`),
        )

  return {
    callRaw,
    call: <M extends ApiMethod>(method: M, args: ApiInput<M>) => callRaw(method, args) as Promise<ApiResult<ApiResults[M]>>,
    onAny(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    on(event, listener) {
      const wrapped: AnyEventListener = (name, payload) => {
        if (name === event) listener(payload as EventMap[typeof event])
      }
      listeners.add(wrapped)
      return () => listeners.delete(wrapped)
    },
    get info() {
      return client?.info ?? null
    },
    get restarts() {
      return restarts
    },
    stop() {
      stopping ??= (async () => {
        if (restartTimer) clearTimeout(restartTimer)
        restartTimer = null
        const current = client
        const proc = child
        if (!current || !proc) return
        const exited = new Promise<void>((resolve) => current.onExit(() => resolve()))
        current.shutdown()
        let timer: ReturnType<typeof setTimeout> | undefined
        const timedOut = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), options.stopTimeoutMs ?? 15_000)
        })
        if (await Promise.race([exited.then(() => false), timedOut])) {
          log('the engine did not stop in time: killing it')
          proc.kill()
          await exited
        }
        clearTimeout(timer)
      })()
      return stopping
    },
  }
}

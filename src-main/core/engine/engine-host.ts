// Inside the engine process: one core, answered over a message port. Every call goes through
// dispatch (schema-checked, never throws); every core event is relayed; shutdown stops the
// runner (running jobs are stopped and re-queued) and closes the store. When the parent keeps
// secrets (the desktop keychain), the core reaches them through the secret port (secret-port.ts).
import { createCore, type Core, type CoreOptions } from '../core'
import { DESKTOP } from '../access/callers'
import { dispatch } from '../services/dispatch'
import { unavailable } from '../../../src-shared/wire'
import { parseToEngine, type EngineInfo, type FromEngine } from './protocol'
import { startRunnerWhenFree } from './runner-guard'
import { PortSecretStore } from './secret-port'
import { sqliteVersion } from '../store/sqlite/open-database'
import type { SecretProtection } from '../secrets/secret-store'

export interface EngineHostPort {
  send(message: FromEngine): void
  onMessage(listener: (message: unknown) => void): void
}

export interface EngineHostOptions {
  port: EngineHostPort
  core: CoreOptions
  /** Tests replace the core factory. */
  createCore?: (options: CoreOptions) => Core
  log?: (line: string) => void
  /** How often a standby engine tries to take the runner lock (0 never). */
  lockRetryMs?: number
  /** The parent answers secret requests from a store this well protected (the desktop keychain); absent: it keeps none. */
  keychain?: SecretProtection
  /** Called once the engine has shut down (the entry exits the process). */
  onShutdown?: () => void
}

export interface EngineHost {
  readonly core: Core
  readonly info: EngineInfo
  /** Stops serving, stops the runner (re-queues running jobs) and closes the core. Idempotent. */
  shutdown(): Promise<void>
}

/** Creates the core and starts serving; throws when the core cannot be created (the caller reports it as fatal). */
export function startEngineHost(options: EngineHostOptions): EngineHost {
  const { port, log = () => {} } = options
  const send = (message: FromEngine): void => {
    try {
      port.send(message)
    } catch (error) {
      log(`could not send a ${message.kind} message to the parent: ${(error as Error).message}`)
    }
  }
  const keychain = options.keychain === undefined ? null : new PortSecretStore(send, options.keychain)
  const core = (options.createCore ?? createCore)(keychain ? { ...options.core, keychain } : options.core)
  const relay = core.events.onAny((name, payload) => send({ kind: 'event', name, payload }))
  let guard: ReturnType<typeof startRunnerWhenFree>
  try {
    guard = startRunnerWhenFree(core, { retryMs: options.lockRetryMs ?? 5_000, log })
  } catch (error) {
    relay()
    keychain?.close('the engine did not start')
    void core.close().catch(() => undefined)
    throw error
  }

  const sqlite = sqliteVersion()
  const info = (): EngineInfo => ({
    pid: process.pid,
    dataDir: core.dataDir,
    configPath: core.config.path,
    runner: guard.state,
    runnerMessage: guard.message,
    sqlite,
  })

  const inFlight = new Set<Promise<void>>()
  let closing: Promise<void> | null = null

  const shutdown = (): Promise<void> => {
    closing ??= (async () => {
      log('shutting down: running jobs are stopped and re-queued')
      guard.stop()
      await Promise.allSettled([...inFlight])
      try {
        await core.close()
      } catch (error) {
        log(`error while closing: ${(error as Error).message}`)
      }
      relay()
      keychain?.close('the engine has shut down')
      options.onShutdown?.()
    })()
    return closing
  }

  port.onMessage((raw) => {
    const message = parseToEngine(raw)
    if (message === null) {
      // Its shape only: a call's args may hold a secret param's value.
      const shape = typeof raw === 'object' && raw !== null ? `with keys ${Object.keys(raw).slice(0, 10).join(', ')}` : `of type ${typeof raw}`
      log(`ignored a malformed message ${shape}`)
      return
    }
    if (message.kind === 'shutdown') {
      void shutdown()
      return
    }
    if (message.kind === 'secretReply') {
      keychain?.receive(message)
      return
    }
    const { id, method, args } = message
    if (closing) {
      send({ kind: 'result', id, result: unavailable(`${method}: the engine is shutting down`) })
      return
    }
    const done = dispatch(core, method, args, DESKTOP).then((result) => send({ kind: 'result', id, result }))
    inFlight.add(done)
    void done.finally(() => inFlight.delete(done))
  })

  const ready = info()
  log(`serving ${ready.dataDir} with ${ready.configPath} (runner: ${ready.runner})`)
  send({ kind: 'ready', info: ready })

  return {
    core,
    get info() {
      return info()
    },
    shutdown,
  }
}

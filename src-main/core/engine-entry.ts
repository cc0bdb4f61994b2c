// The engine process entry (DESIGN.md "Processes"), built as out/main/engine.js. It runs under
// Electron's utilityProcess (messages through process.parentPort) and under child_process.fork
// (process.send; tests and headless use). Options: --data-dir, --config, else the environment
// and defaults, exactly as the CLI resolves them; --log-file (the app's engine.log), else stderr.
import { JobdeckError } from '../../src-shared/errors'
import { captureConsole, envSecretValues, followConfigSecrets, lineLog, LogRedaction, stderrLogger, type Logger } from './app-log'
import { startEngineHost, type EngineHost, type EngineHostPort } from './engine/engine-host'
import { engineLocation, flagValue } from './engine/engine-options'
import { KEYCHAIN_VARIABLE, parseProtection } from './engine/secret-port'
import type { FromEngine } from './engine/protocol'
import { fileLogger } from './log-file'

interface ElectronParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown
  postMessage(message: unknown): void
}

// `--log-file PATH` (the app passes its logs folder's engine.log): a rotating file; else stderr.
const redaction = new LogRedaction()
const logFile = flagValue(process.argv, 'log-file')
const debug = process.env.JOBDECK_DEBUG === '1'
const logger: Logger = logFile
  ? fileLogger({ file: logFile, source: `engine[${process.pid}]`, redaction, debug })
  : stderrLogger({ prefix: `jobdeck engine[${process.pid}]`, redaction, debug })
captureConsole(logger)
redaction.setKnown('env', envSecretValues(process.env))
const log = lineLog(logger)

function parentPort(): (EngineHostPort & { onDisconnect(listener: () => void): void }) | null {
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort
  if (electronPort) {
    return {
      send: (message) => electronPort.postMessage(message),
      onMessage: (listener) => void electronPort.on('message', (event) => listener(event.data)),
      // Electron ends a utility process together with its parent.
      onDisconnect: () => {},
    }
  }
  if (typeof process.send === 'function') {
    return {
      send: (message: FromEngine) => {
        if (!process.connected) return
        process.send?.(message, undefined, undefined, (error: Error | null) => {
          if (error) logger.warn(`could not send a ${message.kind} message: ${error.message}`)
        })
      },
      onMessage: (listener) => void process.on('message', listener),
      onDisconnect: (listener) => void process.once('disconnect', listener),
    }
  }
  return null
}

function main(): void {
  const port = parentPort()
  if (!port) {
    logger.error('this is the engine of the Jobdeck app and is started by it (or by `child_process.fork`); use `jobdeck run` from a shell')
    process.exit(2)
  }

  // Signal handlers first: a SIGTERM arriving while the core opens must not kill it mid-way.
  let host: EngineHost | null = null
  let exitCode = 0
  let stopRequested = false
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      log(`${signal} again: exiting now`)
      process.exit(1)
    }
    log(`${signal}`)
    stopRequested = true
    void host?.shutdown()
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)

  // The app hands the keychain's PostgreSQL password over in PGPASSWORD, and the key of secret
  // params in JOBDECK_APP_SECRET_KEY; both are kept in memory only, out of this environment.
  const fromApp = (process as unknown as { parentPort?: unknown }).parentPort !== undefined
  const pgPassword = fromApp ? process.env.PGPASSWORD : undefined
  const keychainParamKey = fromApp ? process.env.JOBDECK_APP_SECRET_KEY : undefined
  if (pgPassword) redaction.setKnown('app', [pgPassword])
  if (fromApp) {
    delete process.env.PGPASSWORD
    delete process.env.JOBDECK_APP_SECRET_KEY
  }
  // A parent that keeps secrets (the app's keychain) says so, with how well it keeps them; the
  // engine then asks it through the secret port (engine/secret-port.ts).
  const keychain = parseProtection(process.env[KEYCHAIN_VARIABLE])
  delete process.env[KEYCHAIN_VARIABLE]

  try {
    host = startEngineHost({
      port,
      core: {
        ...engineLocation(process.argv),
        ...(pgPassword !== undefined ? { pgPassword } : {}),
        ...(keychainParamKey ? { keychainParamKey } : {}),
        log,
        watchConfig: true,
        sources: true,
      },
      log,
      ...(keychain ? { keychain } : {}),
      onShutdown: () => process.exit(exitCode),
    })
  } catch (error) {
    const info =
      error instanceof JobdeckError
        ? error.toInfo()
        : { code: 'internal' as const, message: `the engine could not start: ${(error as Error)?.message ?? String(error)}` }
    logger.error(info.message)
    port.send({ kind: 'fatal', error: info })
    // Let the message leave before exiting.
    setTimeout(() => process.exit(1), 100)
    return
  }
  const started = host
  followConfigSecrets(redaction, started.core)
  if (stopRequested) void started.shutdown()

  port.onDisconnect(() => {
    log('the parent process is gone')
    void started.shutdown()
  })
  process.on('uncaughtException', (error) => {
    logger.error(`uncaught: ${error.stack ?? error.message}`)
    port.send({ kind: 'fatal', error: { code: 'internal', message: `engine crashed: ${error.message}` } })
    exitCode = 1
    void started.shutdown()
  })
}

main()

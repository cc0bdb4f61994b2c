// Settings → Logs in the app: "Open logs folder" (the OS file manager on the folder of main.log
// and engine.log) and "Copy diagnostics" (versions, paths, mode and the last 200 log lines), on
// their DESKTOP_CHANNELS under the same sender check as the API. Electron's shell is a port here.
import path from 'node:path'
import type { ApiResult } from '../../src-shared/bridge'
import { DESKTOP_CHANNELS, type Diagnostics, type OpenedLogs } from '../../src-shared/desktop'
import { logTail } from '../core/log-file'
import { senderGuard, type InvokeEventLike, type IpcMainLike } from './ipc'

/** The app's log files, in the folder Electron names `logs` (app.getPath('logs')). */
export interface AppLogFiles {
  folder: string
  /** The main process's log. */
  main: string
  /** The engine's (utility process) log, written by the engine itself (`--log-file`). */
  engine: string
}

export function appLogFiles(folder: string): AppLogFiles {
  return { folder, main: path.join(folder, 'main.log'), engine: path.join(folder, 'engine.log') }
}

export interface DesktopLogsHandlers {
  files: AppLogFiles
  /** shell.openPath: resolves '' when opened, else the OS's error message. */
  openPath: (folder: string) => Promise<string>
  /** Versions known to the main process (app, electron, chrome, node, os); the engine's sqlite is asked. */
  versions: () => Record<string, string>
  /** The engine's answers: its SQLite version (null while it is down) and the mode it serves. */
  engine: () => Promise<{ sqlite: string | null; mode: 'local' | 'shared' | null }>
  location: { configPath: string; dataDir: string }
  /** The mode when the engine cannot say (down, restarting): what the config and environment choose. */
  configuredMode: () => 'local' | 'shared'
  isTrustedSender: (event: InvokeEventLike) => boolean
  log?: (line: string) => void
}

/** How many log lines the diagnostics carry. */
export const DIAGNOSTIC_LINES = 200

export async function collectDiagnostics(handlers: Omit<DesktopLogsHandlers, 'openPath' | 'isTrustedSender' | 'log'>): Promise<Diagnostics> {
  const engine = await handlers.engine().catch(() => ({ sqlite: null, mode: null }))
  return {
    versions: { ...handlers.versions(), sqlite: engine.sqlite ?? 'unknown (the engine is not running)' },
    configPath: handlers.location.configPath,
    dataDir: handlers.location.dataDir,
    mode: engine.mode ?? handlers.configuredMode(),
    logFile: handlers.files.main,
    logFolder: handlers.files.folder,
    logTail: logTail([handlers.files.main, handlers.files.engine], DIAGNOSTIC_LINES),
  }
}

/** Registers both channels; returns the function that removes them. */
export function registerDesktopLogs(ipcMain: IpcMainLike, handlers: DesktopLogsHandlers): () => void {
  const guard = senderGuard(handlers)
  ipcMain.handle(DESKTOP_CHANNELS.openLogs, async (event): Promise<ApiResult<OpenedLogs>> => {
    guard(DESKTOP_CHANNELS.openLogs, event)
    const folder = handlers.files.folder
    const failure = await handlers.openPath(folder).catch((error: unknown) => (error as Error)?.message ?? String(error))
    if (failure === '') return { ok: true, value: { folder } }
    return { ok: false, error: { code: 'unavailable', message: `could not open the logs folder ${folder}: ${failure}; open it from a file manager` } }
  })
  ipcMain.handle(DESKTOP_CHANNELS.diagnostics, async (event): Promise<ApiResult<Diagnostics>> => {
    guard(DESKTOP_CHANNELS.diagnostics, event)
    try {
      return { ok: true, value: await collectDiagnostics(handlers) }
    } catch (error) {
      return { ok: false, error: { code: 'internal', message: `could not collect the diagnostics: ${(error as Error).message}` } }
    }
  })
  return () => {
    ipcMain.removeHandler(DESKTOP_CHANNELS.openLogs)
    ipcMain.removeHandler(DESKTOP_CHANNELS.diagnostics)
  }
}

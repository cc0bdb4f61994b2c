// What only the desktop app has (DESIGN.md "Desktop"): notification switches, close behaviour and
// the state of the OS secret storage. Kept by the Electron main process in a small JSON file under
// userData and reached by the window through `window.jobdeck.desktop` (absent in a browser).
import { z } from 'zod'

export const NOTIFICATION_KINDS = ['failure', 'health', 'connection', 'overrun'] as const
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]

const typeName = z.string().min(1).max(200)

export const desktopSettingsSchema = z.object({
  notifications: z
    .object({
      /** The global switch. */
      enabled: z.boolean().default(true),
      /** Job failed after its last retry. */
      failure: z.boolean().default(true),
      /** Resources became critical, and recovered. */
      health: z.boolean().default(true),
      /** Shared mode: database connection lost / restored. */
      connection: z.boolean().default(true),
      /** A run took much longer than its type usually does. */
      overrun: z.boolean().default(true),
      /** Job types muted for failure and overrun notifications; a type not listed notifies. */
      mutedTypes: z.array(typeName).max(10_000).default([]),
    })
    .default({ enabled: true, failure: true, health: true, connection: true, overrun: true, mutedTypes: [] }),
  /** Closing the window quits (instead of keeping Jobdeck running in the tray). */
  quitOnClose: z.boolean().default(false),
  /** The "still running in the tray" hint was shown once. */
  closeHintShown: z.boolean().default(false),
  /** The runner was paused only to let a running job finish before quitting: resume at the next start. */
  resumeRunnerOnStart: z.boolean().default(false),
})

export type DesktopSettings = z.output<typeof desktopSettingsSchema>

/** What the window may change (the bookkeeping flags stay the main process's). */
export const desktopSettingsPatchSchema = z.strictObject({
  notifications: z
    .strictObject({
      enabled: z.boolean().optional(),
      failure: z.boolean().optional(),
      health: z.boolean().optional(),
      connection: z.boolean().optional(),
      overrun: z.boolean().optional(),
      mutedTypes: z.array(typeName).max(10_000).optional(),
    })
    .optional(),
  quitOnClose: z.boolean().optional(),
})

export type DesktopSettingsPatch = z.input<typeof desktopSettingsPatchSchema>

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = desktopSettingsSchema.parse({})

/** How well the OS keeps the PostgreSQL password (see src-main/core/secrets/secret-store.ts). */
export interface SecretStorageState {
  protection: 'secure' | 'insecure' | 'none'
  /** Linux: the safeStorage backend (`gnome_libsecret`, `kwallet5`, `basic_text`, …); else null. */
  backend: string | null
  /** One sentence for Settings. */
  summary: string
}

export interface DesktopState {
  settings: DesktopSettings
  secrets: SecretStorageState
}

/** IPC channels of the desktop settings, registered next to the API channels. */
export const DESKTOP_CHANNELS = {
  get: 'jobdeck:desktop:get',
  update: 'jobdeck:desktop:update',
  /** Opens the folder of the app's log files in the OS file manager. */
  openLogs: 'jobdeck:desktop:open-logs',
  /** Diagnostics for a bug report (Settings → Copy diagnostics). */
  diagnostics: 'jobdeck:desktop:diagnostics',
} as const

/** What "Copy diagnostics" copies: no secret (the log lines are already masked when written). */
export interface Diagnostics {
  /** app, electron, chrome, node, sqlite (the engine's), os. */
  versions: Record<string, string>
  configPath: string
  dataDir: string
  mode: 'local' | 'shared'
  /** The main process's log (main.log); the engine's engine.log is beside it. */
  logFile: string
  /** The folder of the app's log files ("Open logs folder"). */
  logFolder: string
  /** The last 200 lines of main.log and engine.log, merged in time order. */
  logTail: string[]
}

/** The answer of DESKTOP_CHANNELS.openLogs: the folder shown. */
export interface OpenedLogs {
  folder: string
}

/** Diagnostics as the text "Copy diagnostics" puts on the clipboard (for a bug report). */
export function diagnosticsText(d: Diagnostics): string {
  const versions = Object.entries(d.versions).map(([name, version]) => `  ${name}: ${version}`)
  return [
    'Jobdeck diagnostics',
    'versions:',
    ...versions,
    `mode: ${d.mode}`,
    `config: ${d.configPath}`,
    `data dir: ${d.dataDir}`,
    `log file: ${d.logFile}`,
    `log folder: ${d.logFolder}`,
    `last ${d.logTail.length} log lines:`,
    ...d.logTail,
    '',
  ].join('\n')
}

// The desktop app's own settings (notification switches, close behaviour, a bookkeeping flag or
// two), kept by the main process in <userData>/desktop-settings.json. Not in jobdeck.yaml: they are
// this machine's operator preferences, not the queue's configuration. A missing or damaged file
// gives the defaults (a damaged one is kept aside as .bad, never silently overwritten unseen).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import {
  DEFAULT_DESKTOP_SETTINGS,
  desktopSettingsPatchSchema,
  desktopSettingsSchema,
  type DesktopSettings,
} from '../../src-shared/desktop'

export const DESKTOP_SETTINGS_FILE = 'desktop-settings.json'

/** The bookkeeping flags the main process sets itself (the window cannot). */
export type InternalSettingsPatch = Partial<Pick<DesktopSettings, 'closeHintShown' | 'resumeRunnerOnStart'>>

export interface SettingsFs {
  readFile(file: string): string
  /** Writes atomically (temporary file, then rename). */
  writeFile(file: string, text: string): void
  rename(from: string, to: string): void
}

const nodeFs: SettingsFs = {
  readFile: (file) => readFileSync(file, 'utf8'),
  writeFile: (file, text) => {
    mkdirSync(dirname(file), { recursive: true })
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, text, { mode: 0o600 })
    renameSync(temporary, file)
  },
  rename: (from, to) => renameSync(from, to),
}

export type SettingsListener = (settings: DesktopSettings) => void

export class DesktopSettingsStore {
  private current: DesktopSettings
  private readonly listeners = new Set<SettingsListener>()

  constructor(
    readonly file: string,
    private readonly fs: SettingsFs = nodeFs,
    private readonly log: (line: string) => void = (line) => console.warn(`jobdeck: ${line}`),
  ) {
    this.current = this.load()
  }

  static inDir(userData: string): DesktopSettingsStore {
    return new DesktopSettingsStore(join(userData, DESKTOP_SETTINGS_FILE))
  }

  get(): DesktopSettings {
    return this.current
  }

  /**
   * Applies a change from the window. Throws a message naming the field when the patch is not
   * valid; unchanged settings are not written.
   */
  update(rawPatch: unknown): DesktopSettings {
    const parsed = desktopSettingsPatchSchema.safeParse(rawPatch ?? {})
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
      throw new Error(`desktop settings: ${where}${issue?.message ?? 'invalid input'}`)
    }
    const patch = parsed.data
    const notifications = { ...this.current.notifications }
    for (const [key, value] of Object.entries(patch.notifications ?? {})) {
      if (value !== undefined) (notifications as Record<string, unknown>)[key] = value
    }
    if (patch.notifications?.mutedTypes) notifications.mutedTypes = [...new Set(patch.notifications.mutedTypes)].sort()
    return this.replace({
      ...this.current,
      notifications,
      ...(patch.quitOnClose !== undefined ? { quitOnClose: patch.quitOnClose } : {}),
    })
  }

  /** The main process's own flags. */
  updateInternal(patch: InternalSettingsPatch): DesktopSettings {
    return this.replace({ ...this.current, ...patch })
  }

  onChange(listener: SettingsListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private replace(next: DesktopSettings): DesktopSettings {
    if (JSON.stringify(next) === JSON.stringify(this.current)) return this.current
    this.current = next
    try {
      this.fs.writeFile(this.file, `${JSON.stringify(next, null, 2)}\n`)
    } catch (error) {
      // Kept in memory for this session; say why it will not survive a restart.
      this.log(`could not save ${this.file}: ${(error as Error).message}`)
    }
    for (const listener of this.listeners) listener(next)
    return next
  }

  private load(): DesktopSettings {
    let text: string
    try {
      text = this.fs.readFile(this.file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`could not read ${this.file}: ${(error as Error).message}; using the defaults`)
      return DEFAULT_DESKTOP_SETTINGS
    }
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (error) {
      return this.damaged(`it is not JSON (${(error as Error).message})`)
    }
    const parsed = desktopSettingsSchema.safeParse(data)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      return this.damaged(`${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'invalid'}`)
    }
    return parsed.data
  }

  private damaged(why: string): DesktopSettings {
    const aside = `${this.file}.bad`
    try {
      this.fs.rename(this.file, aside)
      this.log(`${this.file} is damaged (${why}); kept it as ${aside} and started from the defaults`)
    } catch {
      this.log(`${this.file} is damaged (${why}); using the defaults`)
    }
    return DEFAULT_DESKTOP_SETTINGS
  }
}

import { JobdeckError } from '../../../src-shared/errors'
import type { EventBus } from '../events/event-bus'
import { watchConfigFile, type ConfigWatcher, type WatchOptions } from './config-watcher'
import { formatConfigError, loadConfigFile, type ConfigError, type LoadedConfig } from './load-config'

export interface ReloadResult {
  ok: boolean
  path: string
  errors: string[]
}

/**
 * Holds the config in force. A reload that finds errors keeps the previous config running and
 * reports the errors, so a typo in the file never stops the queue.
 */
export class ConfigManager {
  private loaded: LoadedConfig
  private lastErrors: ConfigError[] = []
  private watcher: ConfigWatcher | null = null
  /** Shared mode: a reload must not bring a schedule without `timezone:` (see requireZones). */
  private zonesRequired = false

  private constructor(
    readonly path: string,
    loaded: LoadedConfig,
    private readonly events?: EventBus,
  ) {
    this.loaded = loaded
  }

  static open(path: string, events?: EventBus): ConfigManager {
    const result = loadConfigFile(path)
    if (!result.ok) {
      throw new JobdeckError(
        'config_invalid',
        `${path} has ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}:\n` +
          result.errors.map(formatConfigError).join('\n'),
        result.errors,
      )
    }
    return new ConfigManager(path, result.config, events)
  }

  get current(): LoadedConfig {
    return this.loaded
  }

  get errors(): string[] {
    return this.lastErrors.map(formatConfigError)
  }

  /** Reloads whenever the file changes (long-lived processes: the runner, the server, the app). */
  watch(options?: WatchOptions): void {
    this.watcher ??= watchConfigFile(this.path, () => this.reload(), options)
  }

  unwatch(): void {
    this.watcher?.close()
    this.watcher = null
  }

  /**
   * Shared mode (also from --pg or JOBDECK_PG_URL, which the file does not know): a reload with a
   * schedule lacking `timezone:` keeps the previous config, with that schedule's error.
   */
  requireZones(): void {
    this.zonesRequired = true
  }

  reload(): ReloadResult {
    const loaded = loadConfigFile(this.path)
    const zoneless = loaded.ok && this.zonesRequired ? loaded.config.zonelessSchedules : []
    const result: typeof loaded = zoneless.length > 0 ? { ok: false, errors: zoneless } : loaded
    if (result.ok) {
      this.loaded = result.config
      this.lastErrors = []
    } else {
      this.lastErrors = result.errors
    }
    const outcome = { ok: result.ok, path: this.path, errors: this.errors }
    this.events?.emit('config.changed', outcome)
    return outcome
  }
}

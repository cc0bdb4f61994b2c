// The desktop shell around the engine: tray, native notifications, close-to-tray and the quit
// flow. It only connects the pieces — the decisions live in tray-state.ts,
// notification-policy.ts and quit-flow.ts, the drawing in tray.ts and notifier.ts.
import type { ApiInput, ApiMethod, ApiResults } from '../../src-shared/api'
import type { ApiResult } from '../../src-shared/bridge'
import type { RunnerStatus } from '../../src-shared/domain'
import type { DesktopSettingsStore } from './desktop-settings'
import { NotificationPolicy, runRoute } from './notification-policy'
import { Notifier } from './notifier'
import { CLOSE_HINT, decideClose, QuitFlow, waitUntilIdle, type CloseDecision, type QuitDialog } from './quit-flow'
import { TrayController } from './tray'
import { TrayModel, trayView, type TrayAction } from './tray-state'

export interface DesktopEngine {
  call<M extends ApiMethod>(method: M, args: ApiInput<M>): Promise<ApiResult<ApiResults[M]>>
  onAny(listener: (name: string, payload: unknown) => void): () => void
  stop(): Promise<void>
}

export interface DesktopShellOptions {
  engine: DesktopEngine
  settings: DesktopSettingsStore
  /** resources/ with the tray images */
  resourcesDir: string
  /** The app icon for notifications (Linux). */
  icon?: string
  platform?: NodeJS.Platform
  /** Shows (creating if needed) and focuses the window, on `route` when given. */
  showWindow: (route?: string) => void
  windowFocused: () => boolean
  /** app.quit(): goes through before-quit, i.e. beforeQuit() below. */
  requestQuit: () => void
  /** The quit dialog (dialog.showMessageBox); resolves with the button index. */
  ask: (dialog: QuitDialog) => Promise<number>
  log?: (line: string) => void
  /** Least time between two tray redraws (progress moves often). */
  renderIntervalMs?: number
}

export class DesktopShell {
  readonly model = new TrayModel()
  readonly quitFlow: QuitFlow
  private readonly tray: TrayController
  private readonly notifier: Notifier
  private readonly policy: NotificationPolicy
  private readonly titles = new Map<string, string>()
  private readonly unsubscribe: () => void
  private refreshTimer: ReturnType<typeof setTimeout> | null = null
  private renderTimer: ReturnType<typeof setTimeout> | null = null
  private lastRender = 0
  private starts = 0
  private disposed = false

  constructor(private readonly options: DesktopShellOptions) {
    const log = options.log ?? ((line: string) => console.warn(`jobdeck: ${line}`))
    const titleOf = (type: string): string | undefined => this.titles.get(type)
    this.tray = new TrayController({ resourcesDir: options.resourcesDir, onAction: (action) => this.act(action), log, ...(options.platform ? { platform: options.platform } : {}) })
    this.notifier = new Notifier({ onClick: (target) => options.showWindow(target ?? undefined), log, ...(options.icon ? { icon: options.icon } : {}), ...(options.platform ? { platform: options.platform } : {}) })
    this.policy = new NotificationPolicy({ settings: () => options.settings.get().notifications, notify: (request) => this.notifier.show(request), titleOf })
    this.quitFlow = new QuitFlow({
      status: () => this.status(),
      ask: options.ask,
      stopClaiming: async () => void (await options.engine.call('runner.drain', { draining: true })),
      cancelJob: async (id) => void (await options.engine.call('jobs.cancel', { id })),
      waitUntilIdle: () => waitUntilIdle({ status: () => this.status(), subscribe: (listener) => options.engine.onAny((name) => listener(name)) }),
      stopEngine: () => options.engine.stop(),
      onProgress: (state) => {
        this.model.setQuitting(state)
        this.render(true)
      },
      quit: () => options.requestQuit(),
      titleOf,
      log,
    })
    this.unsubscribe = options.engine.onAny((name, payload) => this.onEvent(name, payload))
    this.render(true)
  }

  /** Each engine (re)start: its state, the job type titles, and a queue paused only to quit last time resumed. */
  engineStarted(): void {
    this.starts++
    if (this.starts > 1) this.model.engineDown()
    this.scheduleRefresh(0)
    void this.loadTitles()
    // A queue paused only to quit by an earlier version is resumed once.
    if (this.starts === 1 && this.options.settings.get().resumeRunnerOnStart) {
      void this.options.engine.call('runner.resume', {}).then((result) => {
        if (result.ok) this.options.settings.updateInternal({ resumeRunnerOnStart: false })
      })
    }
  }

  /** The window was shown or focused: failures are seen. */
  windowSeen(): void {
    if (this.model.facts.unseenFailures.length === 0) return
    this.model.markSeen()
    this.render(true)
  }

  /** The window's `close`: what to do, with the first-time hint shown here. */
  windowClosing(): CloseDecision {
    const settings = this.options.settings.get()
    const decision = decideClose({ quitting: this.quitFlow.quitting, quitOnClose: settings.quitOnClose, closeHintShown: settings.closeHintShown })
    if (decision.action === 'hide' && decision.hint) {
      this.notifier.show({ title: CLOSE_HINT.title, body: CLOSE_HINT.body })
      this.options.settings.updateInternal({ closeHintShown: true })
    }
    return decision
  }

  dispose(): void {
    this.disposed = true
    this.unsubscribe()
    this.policy.dispose()
    if (this.refreshTimer) clearTimeout(this.refreshTimer)
    if (this.renderTimer) clearTimeout(this.renderTimer)
    this.tray.destroy()
  }

  private onEvent(name: string, payload: unknown): void {
    this.policy.handle(name, payload)
    if (this.model.applyEvent(name, payload)) this.scheduleRefresh(300)
    if (name === 'job.changed' && this.options.windowFocused()) this.model.markSeen()
    if (name === 'config.changed') void this.loadTitles()
    this.render(false)
  }

  private async status(): Promise<RunnerStatus | null> {
    const result = await this.options.engine.call('runner.status', { limit: 1 })
    return result.ok ? result.value : null
  }

  private scheduleRefresh(delayMs: number): void {
    if (this.refreshTimer) return
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null
      void this.status().then((status) => {
        if (status && !this.disposed) {
          this.model.applyStatus(status)
          this.render(true)
        }
      })
    }, delayMs)
  }

  private async loadTitles(): Promise<void> {
    const result = await this.options.engine.call('config.get', {})
    if (!result.ok) return
    this.titles.clear()
    for (const type of result.value.types) if (type.title && type.title !== type.name) this.titles.set(type.name, type.title)
    this.render(false)
  }

  /** Redraws now when `now` or the interval has passed, else once at the end of the interval. */
  private render(now: boolean): void {
    if (this.disposed) return
    const interval = this.options.renderIntervalMs ?? 1_000
    const wait = this.lastRender + interval - Date.now()
    if (!now && wait > 0) {
      this.renderTimer ??= setTimeout(() => {
        this.renderTimer = null
        this.render(true)
      }, wait)
      return
    }
    if (this.renderTimer) clearTimeout(this.renderTimer)
    this.renderTimer = null
    this.lastRender = Date.now()
    // No elapsed times in the menu: it would change every second and be rebuilt under the pointer.
    this.tray.render(trayView(this.model.facts, { titleOf: (type) => this.titles.get(type) }))
  }

  private act(action: TrayAction): void {
    switch (action.type) {
      case 'show':
        this.options.showWindow()
        return
      case 'open-run':
        this.options.showWindow(runRoute(action.view, action.runId))
        return
      case 'pause':
      case 'resume':
        void this.options.engine.call(action.type === 'pause' ? 'runner.pause' : 'runner.resume', {})
        return
      case 'quit':
        this.options.requestQuit()
        return
    }
  }
}

// Shows NotificationRequests (notification-policy.ts) as native notifications; a click opens the
// window on the request's route. Thin on purpose: what and when is decided elsewhere.
import { Notification } from 'electron'
import type { NotificationRequest } from './notification-policy'

export interface ShownNotification {
  title: string
  body: string
  /** Route a click opens; none: the click just shows the window. */
  target?: string | null
  urgency?: NotificationRequest['urgency']
  tag?: string
}

export interface NotifierOptions {
  /** Opens the window, on `target` when given. */
  onClick: (target: string | null) => void
  /** The app icon (Linux shows it beside the text). */
  icon?: string
  platform?: NodeJS.Platform
  log?: (line: string) => void
}

/** Notifications not yet clicked or closed; referenced so their click handlers live (Electron drops them with the object). */
const MAX_LIVE = 50

export class Notifier {
  private readonly live = new Set<Notification>()
  private warned = false

  constructor(private readonly options: NotifierOptions) {}

  show(request: ShownNotification): boolean {
    const log = this.options.log ?? ((line: string) => console.warn(`jobdeck: ${line}`))
    if (!Notification.isSupported()) {
      if (!this.warned) log('this system does not support notifications; the tray still shows failures')
      this.warned = true
      return false
    }
    const platform = this.options.platform ?? process.platform
    const notification = new Notification({
      title: request.title,
      body: request.body,
      ...(this.options.icon ? { icon: this.options.icon } : {}),
      // Linux: critical ones stay until dismissed.
      ...(platform === 'linux' && request.urgency ? { urgency: request.urgency } : {}),
      // Windows and macOS: a newer notification with the same id replaces the older one.
      ...(platform !== 'linux' && request.tag ? { id: request.tag } : {}),
    })
    const forget = (): void => {
      this.live.delete(notification)
    }
    notification.on('click', () => {
      forget()
      this.options.onClick(request.target ?? null)
    })
    notification.on('close', forget)
    notification.on('failed', (_event, error) => {
      forget()
      log(`a notification could not be shown: ${error}`)
    })
    this.live.add(notification)
    if (this.live.size > MAX_LIVE) this.live.delete(this.live.values().next().value as Notification)
    notification.show()
    return true
  }
}

// The desktop channel: the message becomes an `alert.desktop` event, which the desktop app's main
// process shows as a native notification (electron/notification-policy.ts). Headless, nobody shows
// it; the channel still counts it as taken, as the event was made.
import type { EventMap } from '../../../../src-shared/events'
import { errorLines, type AlertChannel, type AlertMessage } from './channel'

export class DesktopChannel implements AlertChannel {
  readonly kind = 'desktop'
  readonly format = null
  readonly target = 'desktop'
  readonly timeoutMs = 1_000

  constructor(
    readonly name: string,
    private readonly emit: (notice: EventMap['alert.desktop']) => void,
  ) {}

  async problem(): Promise<string | null> {
    return null
  }

  async send(message: AlertMessage): Promise<void> {
    this.emit(desktopNotice(message))
  }
}

/** The notification for a message: a single alert opens its run; a digest, the Queue with the recent failures. */
export function desktopNotice(message: AlertMessage): EventMap['alert.desktop'] {
  const [only] = message.alerts
  const critical = message.alerts.some((alert) => alert.rule === 'health' && alert.status === 'critical')
  const body =
    message.alerts.length === 1 && only
      ? (errorLines(only.error, 1)[0] ?? [only.type, only.status].filter((part) => part !== null).join(' · '))
      : message.alerts
          .slice(0, 5)
          .map((alert) => alert.title)
          .join('; ') + (message.alerts.length > 5 ? `; and ${message.alerts.length - 5} more` : '')
  return {
    title: message.title,
    body,
    target: message.alerts.length === 1 && only?.runId ? `/history?run=${encodeURIComponent(only.runId)}` : '/queue',
    urgency: critical ? 'critical' : 'normal',
    tag: `alert:${message.deliveryId}`,
  }
}

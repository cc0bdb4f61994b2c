// The channels of `alerts.channels` as senders, made again only when the config changes (a reload
// makes a new config object).
import type { AlertsConfig } from '../../../../src-shared/alert-config'
import type { AlertChannelKind } from '../../../../src-shared/alerts'
import type { EventMap } from '../../../../src-shared/events'
import type { SecretStore } from '../../secrets/secret-store'
import type { AlertChannel } from './channel'
import { DesktopChannel } from './desktop'
import { EmailChannel } from './email'
import { WebhookChannel } from './webhook'

export interface ChannelDeps {
  /** Where an email channel's SMTP password is kept when `passwordEnv` is not set. */
  secrets: SecretStore
  /** Makes an `alert.desktop` event. */
  emitDesktop: (notice: EventMap['alert.desktop']) => void
  env?: NodeJS.ProcessEnv
}

export class ChannelSet {
  private built: { config: AlertsConfig; channels: Map<string, AlertChannel> } | null = null

  constructor(private readonly deps: ChannelDeps) {}

  of(config: AlertsConfig): Map<string, AlertChannel> {
    if (this.built?.config !== config) this.built = { config, channels: this.build(config) }
    return this.built.channels
  }

  kinds(config: AlertsConfig): Map<string, AlertChannelKind> {
    return new Map([...this.of(config)].map(([name, channel]) => [name, channel.kind]))
  }

  private build(config: AlertsConfig): Map<string, AlertChannel> {
    const env = this.deps.env ?? process.env
    const channels = new Map<string, AlertChannel>()
    for (const [name, channel] of Object.entries(config.channels)) {
      if (channel.webhook) channels.set(name, new WebhookChannel(name, channel.webhook, env))
      else if (channel.email) channels.set(name, new EmailChannel(name, channel.email, this.deps.secrets, env))
      else if (channel.desktop) channels.set(name, new DesktopChannel(name, this.deps.emitDesktop))
    }
    return channels
  }
}

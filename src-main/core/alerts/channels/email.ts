// An email channel: the message as plain text through SMTP (nodemailer), accepted once the server
// took it for every recipient. The password is never in jobdeck.yaml (the schema refuses it): it
// comes from `passwordEnv`, else from the keychain under `smtp:<channel>`.
import nodemailer from 'nodemailer'
import type { AlertChannelConfig } from '../../../../src-shared/alert-config'
import { redactSecrets } from '../../../../src-shared/redact'
import type { SecretStore } from '../../secrets/secret-store'
import { ChannelError, type AlertChannel, type AlertMessage } from './channel'
import { emailText } from './message-format'

export type EmailConfig = NonNullable<AlertChannelConfig['email']>

/** The keychain key of an email channel's SMTP password. */
export const smtpSecretKey = (channel: string): string => `smtp:${channel}`

export class EmailChannel implements AlertChannel {
  readonly kind = 'email'
  readonly format = null
  readonly timeoutMs: number

  constructor(
    readonly name: string,
    private readonly config: EmailConfig,
    private readonly secrets: SecretStore,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.timeoutMs = config.smtp.timeout
  }

  get target(): string {
    return `${this.config.to.join(', ')} via ${this.config.smtp.host}:${this.config.smtp.port}`
  }

  async problem(): Promise<string | null> {
    const found = await this.password()
    return 'problem' in found ? found.problem : null
  }

  async send(message: AlertMessage, signal: AbortSignal): Promise<void> {
    const found = await this.password()
    if ('problem' in found) throw new ChannelError(found.problem)
    const { smtp } = this.config
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user !== undefined && found.password !== null ? { auth: { user: smtp.user, pass: found.password } } : {}),
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
    })
    const stop = (): void => transport.close()
    signal.addEventListener('abort', stop, { once: true })
    try {
      await transport.sendMail({
        from: this.config.from,
        to: this.config.to,
        subject: `${this.config.subjectPrefix} ${message.title}`.trim(),
        text: emailText(message),
        headers: { 'X-Jobdeck-Delivery': message.deliveryId },
      })
    } catch (error) {
      if (signal.aborted) throw new ChannelError(`stopped before ${smtp.host}:${smtp.port} took the message`)
      const text = error instanceof Error ? error.message : String(error)
      const scrubbed = found.password ? text.split(found.password).join('••••') : text
      throw new ChannelError(redactSecrets(`SMTP ${smtp.host}:${smtp.port}: ${scrubbed}`))
    } finally {
      signal.removeEventListener('abort', stop)
      transport.close()
    }
  }

  /** The password to log in with (null: the server needs none), or why there is none. */
  private async password(): Promise<{ password: string | null } | { problem: string }> {
    const { smtp } = this.config
    if (smtp.passwordEnv !== undefined) {
      const value = this.env[smtp.passwordEnv]
      if (value === undefined || value === '') return { problem: `the environment variable ${smtp.passwordEnv} (alerts.channels.${this.name}.email.smtp.passwordEnv) is not set` }
      return { password: value }
    }
    if (smtp.user === undefined) return { password: null }
    const stored = await this.secrets.get(smtpSecretKey(this.name)).catch(() => null)
    if (stored !== null) return { password: stored }
    return { problem: `no SMTP password for ${smtp.user}: set passwordEnv under alerts.channels.${this.name}.email.smtp, or store it in the keychain (Settings → Alerts)` }
  }
}

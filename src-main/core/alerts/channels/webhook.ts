// A webhook channel: one POST of the message as JSON (json, slack or teams format), accepted on any
// 2xx. The URL often carries its secret in the path, so it is never shown, stored or logged in
// full: errors and the target say scheme and host only (maskUrl), and any text a failure brings
// back is cleared of the URL before it is kept.
import type { AlertChannelConfig } from '../../../../src-shared/alert-config'
import { maskUrl, redactSecrets, withoutUrl } from '../../../../src-shared/redact'
import { formatDuration } from '../../../../src-shared/units'
import { ChannelError, type AlertChannel, type AlertMessage } from './channel'
import { webhookBody } from './message-format'

export type WebhookConfig = NonNullable<AlertChannelConfig['webhook']>

/** How much of a refusing receiver's answer an error keeps. */
const ANSWER_CHARS = 200

export class WebhookChannel implements AlertChannel {
  readonly kind = 'webhook'
  readonly format: WebhookConfig['format']
  readonly timeoutMs: number

  constructor(
    readonly name: string,
    private readonly config: WebhookConfig,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.format = config.format
    this.timeoutMs = config.timeout
  }

  get target(): string {
    const url = this.url()
    if (url !== null) return maskUrl(url)
    return `$${this.config.urlEnv ?? '?'} (not set)`
  }

  async problem(): Promise<string | null> {
    const url = this.url()
    if (url === null) return `the environment variable ${this.config.urlEnv ?? '?'} (alerts.channels.${this.name}.webhook.urlEnv) is not set`
    if (!/^https?:\/\//i.test(url)) return `the webhook URL of ${this.name} is not an http(s) URL (${maskUrl(url)})`
    return null
  }

  async send(message: AlertMessage, signal: AbortSignal): Promise<void> {
    const problem = await this.problem()
    if (problem !== null) throw new ChannelError(problem)
    const url = this.url() as string
    const masked = maskUrl(url)
    const clean = (text: string): string => redactSecrets(withoutUrl(text, url))
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'jobdeck-alerts' },
        body: JSON.stringify(webhookBody(this.config.format, message)),
        // A redirect would turn the POST into a GET elsewhere: refused, said as the status.
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
      })
    } catch (error) {
      if (signal.aborted) throw new ChannelError(`stopped before ${masked} answered`)
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new ChannelError(`no answer from ${masked} within ${formatDuration(this.timeoutMs)}`)
      }
      throw new ChannelError(clean(`cannot reach ${masked}: ${reasonOf(error)}`))
    }
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => undefined)
      return
    }
    const answer = await firstChars(response, ANSWER_CHARS)
    throw new ChannelError(clean(`HTTP ${response.status} from ${masked}${answer ? `: ${answer}` : ''}`))
  }

  private url(): string | null {
    if (this.config.url !== undefined) return this.config.url
    const value = this.config.urlEnv === undefined ? undefined : this.env[this.config.urlEnv]
    return value === undefined || value.trim() === '' ? null : value.trim()
  }
}

/** `ECONNREFUSED 127.0.0.1:8080` rather than undici's bare "fetch failed". */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined
  if (cause && typeof cause.message === 'string') return cause.message
  return error instanceof Error ? error.message : String(error)
}

/** The start of an answer's body on one line (a receiver's reason), without reading a large one whole. */
async function firstChars(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader()
  if (!reader) return ''
  let text = ''
  const decoder = new TextDecoder()
  try {
    while (text.length < max) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // The answer broke off: what came is enough.
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

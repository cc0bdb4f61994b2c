// What every alert channel (webhook, email, desktop) is to the deliverer: something that takes one
// message (a single alert or a digest) or throws an error fit to show, and says where it goes.
import type { AlertChannelKind, AlertPayload } from '../../../../src-shared/alerts'
import type { WebhookFormat } from '../../../../src-shared/alert-config'

/** One delivery as a channel sends it. */
export interface AlertMessage {
  /** The delivery's id: the same at every attempt. */
  deliveryId: string
  title: string
  /** Oldest first; one for a single alert or a test message. */
  alerts: AlertPayload[]
  test: boolean
}

export interface AlertChannel {
  readonly name: string
  readonly kind: AlertChannelKind
  /** Where it goes, never a secret (`https://hooks.slack.com/…`). */
  readonly target: string
  readonly format: WebhookFormat | null
  /** An attempt takes at most this long. */
  readonly timeoutMs: number
  /** Resolves once the other side accepted the message; rejects with a ChannelError otherwise. */
  send(message: AlertMessage, signal: AbortSignal): Promise<void>
  /** Not usable now, and why (an environment variable unset, no password); null when it looks usable. */
  problem(): Promise<string | null>
}

/** A failed attempt, its message already fit to store and show (secrets masked). */
export class ChannelError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ChannelError'
  }
}

/** The first `lines` non-blank lines of an error, each cut: what a message shows of it. */
export function errorLines(error: string | null, lines = 3, width = 300): string[] {
  if (error === null) return []
  const out: string[] = []
  for (const line of error.split(/\r?\n|\r/)) {
    // eslint-disable-next-line no-control-regex
    const clean = line.replace(/[\u0000-\u001f\u007f]/g, ' ').trimEnd()
    if (clean.trim() === '') continue
    out.push(clean.length > width ? `${clean.slice(0, width - 1)}…` : clean)
    if (out.length === lines) break
  }
  return out
}

/** `5 alerts: failed ×4, recovered`: a digest's title, by what they are about, most first. */
export function digestTitle(alerts: readonly AlertPayload[]): string {
  const [only] = alerts
  if (alerts.length === 1 && only) return only.title
  const byRule = new Map<string, number>()
  for (const alert of alerts) byRule.set(alert.rule, (byRule.get(alert.rule) ?? 0) + 1)
  const parts = [...byRule.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([rule, n]) => (n > 1 ? `${rule} ×${n}` : rule))
  return `${alerts.length} alerts: ${parts.join(', ')}`
}

// What a message says, per channel (pure): a webhook's body by `format` — `json` is Jobdeck's own
// shape (one AlertPayload, or a digest object with an `alerts` array), `slack` a Slack
// incoming-webhook message (`text` plus Block Kit `blocks`), `teams` a message carrying an Adaptive
// Card (what Teams' Workflows and connector webhooks accept) — and an email's plain text.
import type { AlertPayload } from '../../../../src-shared/alerts'
import type { WebhookFormat } from '../../../../src-shared/alert-config'
import { errorLines, type AlertMessage } from './channel'

/** The `json` format's digest: a burst of alerts in one post. */
export interface JsonDigest {
  digest: true
  title: string
  count: number
  alerts: AlertPayload[]
}

/** Slack shows at most 50 blocks; a digest lists this many alerts and says how many more. */
const SHOWN_ALERTS = 20

export function webhookBody(format: WebhookFormat, message: AlertMessage): unknown {
  switch (format) {
    case 'json':
      return jsonBody(message)
    case 'slack':
      return slackBody(message)
    case 'teams':
      return teamsBody(message)
  }
}

export function jsonBody(message: AlertMessage): AlertPayload | JsonDigest {
  const [only] = message.alerts
  if (message.alerts.length === 1 && only) return only
  return { digest: true, title: message.title, count: message.alerts.length, alerts: message.alerts }
}

/** `type nightly · status failed · run 01J…`: what an alert is about, in one line. */
function factLine(alert: AlertPayload): string {
  return facts(alert)
    .map(([name, value]) => `${name} ${value}`)
    .join(' · ')
}

function facts(alert: AlertPayload): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const add = (name: string, value: string | number | null | undefined): void => {
    if (value !== null && value !== undefined && value !== '') out.push([name, String(value)])
  }
  add('rule', alert.rule)
  add('type', alert.type)
  add('status', alert.status)
  add('schedule', alert.schedule)
  add('source', alert.source)
  if (alert.count > 1) add('count', alert.count)
  add('job', alert.jobId)
  add('run', alert.runId)
  add('started', alert.startedAt)
  add('finished', alert.finishedAt)
  return out
}

/** Slack's mrkdwn reserves &, < and > (links and mentions); everything else shows as written. */
const slackText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

export function slackBody(message: AlertMessage): { text: string; blocks: unknown[] } {
  const shown = message.alerts.slice(0, SHOWN_ALERTS)
  const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: cut(message.title, 150) } }]
  for (const alert of shown) {
    const error = errorLines(alert.error)
    const lines = [`*${slackText(alert.title)}*`, slackText(factLine(alert)), ...(error.length > 0 ? ['```' + slackText(error.join('\n')) + '```'] : [])]
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(lines.join('\n'), 3000) } })
  }
  const more = message.alerts.length - shown.length
  if (more > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${more} more` }] })
  const summary = message.alerts.length === 1 ? message.title : `${message.title}: ${shown.map((a) => a.title).join('; ')}${more > 0 ? `; and ${more} more` : ''}`
  return { text: cut(slackText(summary), 3000), blocks }
}

export function teamsBody(message: AlertMessage): unknown {
  const shown = message.alerts.slice(0, SHOWN_ALERTS)
  const body: unknown[] = [{ type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true }]
  for (const alert of shown) {
    body.push({ type: 'TextBlock', text: alert.title, weight: 'Bolder', wrap: true, separator: true })
    body.push({ type: 'FactSet', facts: facts(alert).map(([title, value]) => ({ title, value })) })
    const error = errorLines(alert.error)
    if (error.length > 0) body.push({ type: 'TextBlock', text: error.join('\n\n'), fontType: 'Monospace', wrap: true, color: 'Attention' })
  }
  const more = message.alerts.length - shown.length
  if (more > 0) body.push({ type: 'TextBlock', text: `and ${more} more`, isSubtle: true, wrap: true })
  return {
    type: 'message',
    summary: message.title,
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
      },
    ],
  }
}

/** The plain-text body of an email: each alert with its title, what it is about, its times and its error's first lines. */
export function emailText(message: AlertMessage): string {
  const lines: string[] = [message.title, '']
  message.alerts.forEach((alert, index) => {
    lines.push(message.alerts.length > 1 ? `${index + 1}. ${alert.title}` : alert.title)
    for (const [name, value] of facts(alert)) lines.push(`   ${`${name}:`.padEnd(10)}${value}`)
    const error = errorLines(alert.error)
    if (error.length > 0) {
      lines.push('   error:')
      for (const line of error) lines.push(`     ${line}`)
    }
    lines.push('')
  })
  lines.push(message.test ? 'A test message from Jobdeck (alerts.test).' : 'Sent by Jobdeck. Each alert has a stable id; a repeated message (after a restart) carries the same ids.')
  return `${lines.join('\n')}\n`
}

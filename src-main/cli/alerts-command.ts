// `jobdeck alerts [--json] [--limit N]`: the recent alert deliveries (time, channel, outcome, title,
// attempts, last error), newest first, with any channel that cannot send now; `jobdeck alerts test
// CHANNEL`: a test message now (exit 0 when the channel took it, 1 with its error when not). JSON
// output is a top-level array of the API's deliveries.
import { absoluteTime } from '../../src-shared/local-time'
import type { AlertDelivery, AlertsOverview } from '../../src-shared/alerts'
import { JobdeckError } from '../../src-shared/errors'
import { callApi, typed } from './api-call'
import { str, wholeNumber, withCore, type Command } from './commands'
import { printJson, printLine, table } from './output'

/** `sent`, `retrying at 2026-12-05 10:42:10`, `failed`. */
export function deliveryOutcome(d: AlertDelivery): string {
  if (d.status === 'pending') return d.attempts === 0 ? 'waiting' : `retrying at ${absoluteTime(d.nextAttemptAt)}`
  return d.status
}

function printOverview(overview: AlertsOverview): void {
  for (const channel of overview.channels) if (channel.problem) printLine(`channel ${channel.name} (${channel.target}): ${channel.problem}`)
  if (overview.channels.length === 0) printLine('no alert channels in the config (alerts.channels)')
  if (overview.deliveries.length === 0) {
    printLine('no alert deliveries yet')
    return
  }
  process.stdout.write(
    table(
      ['time', 'channel', 'outcome', 'title', 'attempts', 'last error'],
      overview.deliveries.map((d) => [absoluteTime(d.sentAt ?? d.createdAt), d.channel, deliveryOutcome(d), d.test ? `${d.title} (test)` : d.title, String(d.attempts), d.lastError ?? '']),
      new Set([4]),
    ),
  )
  if (overview.pending > 0) printLine(`${overview.pending} deliver${overview.pending === 1 ? 'y' : 'ies'} not sent yet (the runner's process sends them)`)
}

const USAGE = 'jobdeck alerts [--json] [--limit N] | alerts test CHANNEL [--json]'

export const alertsCommand: Command = {
  summary: 'recent alert deliveries (channel, outcome, attempts, last error); send a test message to a channel',
  usage: USAGE,
  positionals: ['ACTION', 'CHANNEL'],
  options: { json: { type: 'boolean' }, limit: { type: 'string' } },
  async run({ values, positionals }) {
    const [action, channel] = positionals
    const json = values.json === true
    if (action !== undefined && action !== 'test') throw new JobdeckError('invalid_input', `unknown action "${action}"; expected test\nusage: ${USAGE}`)
    return withCore(values, async (core) => {
      if (action === 'test') {
        if (channel === undefined) throw new JobdeckError('invalid_input', `alerts test: expected a channel name\nusage: ${USAGE}`)
        const delivery = await callApi(core, 'alerts.test', { channel }, { channel: typed('CHANNEL', channel) })
        if (json) printJson([delivery])
        else if (delivery.status === 'sent') printLine(`sent a test message to ${channel}`)
        else printLine(`the test message to ${channel} was not sent: ${delivery.lastError ?? 'no answer'}`, process.stderr)
        return delivery.status === 'sent' ? 0 : 1
      }
      const limitText = str(values, 'limit') ?? '50'
      const overview = await callApi(core, 'alerts.list', { limit: wholeNumber(limitText, '--limit') }, { limit: typed('--limit', limitText) })
      if (json) printJson(overview.deliveries)
      else printOverview(overview)
      return 0
    })
  },
}

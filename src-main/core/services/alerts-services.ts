// alerts.list and alerts.test: what Settings → Alerts and `jobdeck alerts` show, and a test message
// to one channel (answered once tried, so the button and the CLI can say whether it arrived).
import type { JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'
import { echo } from '../../../src-shared/redact'
import type { Alerts } from '../alerts/alerts'
import type { InputIssue } from './error-reply'

type AlertsApi = Pick<JobdeckApi, 'alerts.list' | 'alerts.test'>

export function alertsServices(alerts: Alerts): AlertsApi {
  return {
    'alerts.list': async ({ limit }) => alerts.overview(limit),
    'alerts.test': async ({ channel }) => {
      const configured = alerts.channelNames()
      if (!configured.includes(channel)) {
        const known = configured.length > 0 ? `one of ${configured.join(', ')}` : 'none is configured under alerts.channels'
        const message = `no alert channel named ${echo(channel)} (expected ${known})`
        // As an input issue of `channel`, so the CLI says it of its CHANNEL argument.
        const issue: InputIssue = { path: ['channel'], code: 'custom', message }
        throw new JobdeckError('invalid_input', `alerts.test: channel: ${message}`, [issue])
      }
      return alerts.test(channel)
    },
  }
}

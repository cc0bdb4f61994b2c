// The checks of `alerts:` the schema cannot make, across the file: a rule's channels are declared
// under alerts.channels (a `desktop: true` channel among them), its types
// are job types or `source/type` of a configured source, its schedule and source exist. They read
// the raw YAML data, so every rule is checked even when another part of the file is broken. And
// the warnings `jobdeck validate` prints: a webhook URL written in the file (its path is often the
// secret), never shown in full.
import { maskUrl } from '../../../src-shared/redact'
import { dottedPath, type PathKey } from './yaml-positions'
import type { ConfigProblem } from './zod-issues'

export function checkAlerts(data: Record<string, unknown>): ConfigProblem[] {
  if (!isRecord(data.alerts) || !Array.isArray(data.alerts.rules)) return []
  const channels = isRecord(data.alerts.channels) ? Object.keys(data.alerts.channels) : []
  const jobs = isRecord(data.jobs) ? data.jobs : {}
  const schedules = isRecord(data.schedules) ? data.schedules : {}
  const sources = isRecord(data.sources) ? data.sources : {}
  const problems: ConfigProblem[] = []
  const listed = (names: string[]): string => (names.length > 0 ? names.join(', ') : 'none')
  data.alerts.rules.forEach((raw: unknown, index) => {
    if (!isRecord(raw)) return
    const base: PathKey[] = ['alerts', 'rules', index]
    const say = (path: PathKey[], message: string): void => {
      problems.push({ path, at: 'value', message: `${dottedPath(path)}: ${message}` })
    }
    if (Array.isArray(raw.channels)) {
      raw.channels.forEach((name: unknown, i) => {
        if (typeof name === 'string' && !channels.includes(name)) {
          say([...base, 'channels', i], `unknown channel ${JSON.stringify(name)}; alerts.channels declares: ${listed(channels)} (the app's notifications are a channel too: \`NAME: { desktop: true }\`)`)
        }
      })
    }
    if (Array.isArray(raw.types)) {
      raw.types.forEach((type: unknown, i) => {
        if (typeof type !== 'string' || Object.hasOwn(jobs, type)) return
        const slash = type.indexOf('/')
        if (slash > 0 && Object.hasOwn(sources, type.slice(0, slash))) return
        const hint = slash > 0 ? `; ${JSON.stringify(type.slice(0, slash))} is not a source under sources: (${listed(Object.keys(sources))})` : ''
        say([...base, 'types', i], `unknown job type ${JSON.stringify(type)}; expected one of jobs: (${listed(Object.keys(jobs))}) or \`source/type\` of a source${hint}`)
      })
    }
    if (typeof raw.schedule === 'string' && !Object.hasOwn(schedules, raw.schedule)) {
      say([...base, 'schedule'], `unknown schedule ${JSON.stringify(raw.schedule)}; schedules: declares ${listed(Object.keys(schedules))}`)
    }
    if (typeof raw.source === 'string' && !Object.hasOwn(sources, raw.source)) {
      say([...base, 'source'], `unknown source ${JSON.stringify(raw.source)}; sources: declares ${listed(Object.keys(sources))}`)
    }
  })
  return problems
}

/** Webhook URLs written in the file: a warning each, at the URL, showing only its host. */
export function alertWarnings(data: Record<string, unknown>): ConfigProblem[] {
  if (!isRecord(data.alerts) || !isRecord(data.alerts.channels)) return []
  const warnings: ConfigProblem[] = []
  for (const [name, channel] of Object.entries(data.alerts.channels)) {
    if (!isRecord(channel) || !isRecord(channel.webhook) || typeof channel.webhook.url !== 'string') continue
    const path: PathKey[] = ['alerts', 'channels', name, 'webhook', 'url']
    warnings.push({
      path,
      at: 'value',
      message: `${dottedPath(path)}: the webhook URL ${maskUrl(channel.webhook.url)} is written in the config file; a webhook's path often is its secret: move it to an environment variable and write \`urlEnv: NAME\``,
    })
  }
  return warnings
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

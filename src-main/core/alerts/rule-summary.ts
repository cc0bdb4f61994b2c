// A rule of `alerts.rules` in words, as Settings and `jobdeck alerts` list it (pure):
// "3 failures in a row, sync-inventory → oncall".
import type { AlertRuleConfig } from '../../../src-shared/alert-config'
import { formatDuration } from '../../../src-shared/units'

function what(rule: AlertRuleConfig): string {
  switch (rule.on) {
    case 'failed':
      return 'failed after its last retry'
    case 'failedStreak':
      return `${rule.count ?? 3} failures in a row`
    case 'recovered':
      return 'recovered after failures'
    case 'overrun':
      return rule.factor === undefined ? 'running longer than usual' : `running longer than p95 × ${rule.factor}`
    case 'stuck':
      return 'source row stuck'
    case 'deadline':
      return `${rule.schedule ?? '?'} not finished by ${rule.notFinishedBy ?? '?'}`
    case 'health':
      return 'resources critical, and recovered'
    case 'offline':
      return `shared database offline for over ${formatDuration(rule.after ?? 5 * 60_000)}`
  }
}

function scope(rule: AlertRuleConfig): string[] {
  const parts: string[] = []
  if (rule.types) parts.push(rule.types.join(', '))
  if (rule.schedule !== undefined && rule.on !== 'deadline') parts.push(`schedule ${rule.schedule}`)
  if (rule.source !== undefined) parts.push(`source ${rule.source}`)
  const typed = rule.on !== 'deadline' && rule.on !== 'health' && rule.on !== 'offline'
  if (parts.length === 0 && typed) parts.push('any type')
  return parts
}

export function ruleSummary(rule: AlertRuleConfig): string {
  const quiet = rule.quiet > 0 ? [`quiet ${formatDuration(rule.quiet)}`] : []
  return `${[what(rule), ...scope(rule), ...quiet].join(', ')} → ${rule.channels.join(', ')}`
}

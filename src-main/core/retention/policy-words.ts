// The retention policy in words, one line per part, for `jobdeck retention` and Settings.
import type { RetentionConfig } from '../../../src-shared/retention-config'
import { formatBytes } from '../../../src-shared/units'

const DAY = 86_400_000

/** `30 days`, `12 hours`, `90 minutes`, `1 year` (365 days): a policy's ages are whole units as written. */
export function ageWords(ms: number): string {
  const unit = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
  if (ms % (365 * DAY) === 0) return unit(ms / (365 * DAY), 'year')
  if (ms % DAY === 0) return unit(ms / DAY, 'day')
  if (ms % 3_600_000 === 0) return unit(ms / 3_600_000, 'hour')
  if (ms % 60_000 === 0) return unit(ms / 60_000, 'minute')
  return unit(Math.round(ms / 1000), 'second')
}

export function policyWords(policy: RetentionConfig): string[] {
  if (!policy.enabled) return ['retention is off: history is kept until `jobdeck clear`']
  const lines = (['succeeded', 'partial', 'failed', 'canceled'] as const).map((status) => `${status} jobs after ${ageWords(policy[status])}`)
  if (policy.keepLast > 0) {
    const newest = policy.keepLast === 1 ? 'the newest job' : `the newest ${policy.keepLast} jobs`
    lines.push(`${newest} that ran of each type ${policy.keepLast === 1 ? 'is' : 'are'} kept whatever ${policy.keepLast === 1 ? 'its' : 'their'} age`)
  }
  if (policy.logs.ageMs !== null) lines.push(`output of finished runs after ${ageWords(policy.logs.ageMs)} (the run stays, marked truncated)`)
  if (policy.logs.perRunBytes !== null) lines.push(`a finished run's output over ${formatBytes(policy.logs.perRunBytes)} keeps its head and tail`)
  lines.push(`schedule fires after ${ageWords(policy.fires)} (each schedule's last one stays)`)
  lines.push(`sent and failed alert deliveries after ${ageWords(policy.alerts)}`)
  lines.push(`audit records after ${ageWords(policy.audit)}`)
  lines.push(`queued, retrying and running jobs are never deleted; a pass runs every ${ageWords(policy.interval)}, at most ${policy.batch} rows per write`)
  return lines
}

// `jobdeck retention [--json]`: the data dir by part, what the policy deletes next, the last pass
// and the policy in words; `jobdeck retention run [--json]`: one pass now, in small batches, as
// the runner's automatic one (exit 1 when it failed).
import { absoluteTime } from '../../src-shared/local-time'
import { JobdeckError } from '../../src-shared/errors'
import type { RetentionPass, RetentionStatus } from '../../src-shared/retention'
import { formatBytes } from '../../src-shared/units'
import { callApi } from './api-call'
import { withCore, type Command } from './commands'
import { printJson, printLine } from './output'

export function passText(pass: RetentionPass): string {
  // A pass recorded before the audit log (issue 17) counted none.
  const d: Partial<RetentionPass['deleted']> & Omit<RetentionPass['deleted'], 'audit'> = pass.deleted
  if (pass.error) return `failed at ${absoluteTime(pass.finishedAt)}: ${pass.error}`
  return `${absoluteTime(pass.finishedAt)} (${pass.scope}): deleted ${d.jobs} jobs, ${d.runs} runs, ${d.logLines} output lines ` +
    `(${d.trimmedRuns} runs cut to head and tail), ${d.fires} fires, ${d.deliveries} alert deliveries, ${d.audit ?? 0} audit records; longest write ${pass.longestTxMs.toFixed(1)} ms`
}

function printStatus(s: RetentionStatus): void {
  const size = s.size
  printLine(`data: ${formatBytes(size.total)} (runs ${formatBytes(size.runs)}, output ${formatBytes(size.logs)}, samples ${formatBytes(size.samples)}, other ${formatBytes(size.other)}, WAL ${formatBytes(size.wal)})`)
  const n = s.next
  const more = n.capped ? ' (at least)' : ''
  printLine(`next pass deletes${more}: ${n.jobs} jobs, ${n.runs} runs, ${n.logLines} output lines, ${n.fires} fires, ${n.deliveries} alert deliveries, ${n.audit} audit records`)
  printLine(`last pass: ${s.lastPass ? passText(s.lastPass) : 'never'}`)
  printLine(`next pass: ${s.nextPassAt ? absoluteTime(s.nextPassAt) : s.enabled ? 'when a runner runs (jobdeck run, serve or the app)' : 'none (retention is off)'}`)
  printLine('policy:')
  for (const line of s.policy) printLine(`  ${line}`)
}

const USAGE = 'jobdeck retention [--json] | retention run [--json]'

export const retentionCommand: Command = {
  summary: 'the data dir by part, what retention deletes next and when it last ran; run a pass now',
  usage: USAGE,
  positionals: ['ACTION'],
  options: { json: { type: 'boolean' } },
  async run({ values, positionals }) {
    const [action] = positionals
    if (action !== undefined && action !== 'run') throw new JobdeckError('invalid_input', `unknown action "${action}"; expected run\nusage: ${USAGE}`)
    const json = values.json === true
    return withCore(values, async (core) => {
      if (action === 'run') {
        const pass = await callApi(core, 'retention.run', {})
        if (json) printJson(pass)
        else printLine(`retention: ${passText(pass)}`)
        return pass.error ? 1 : 0
      }
      const status = await callApi(core, 'retention.status', {})
      if (json) printJson(status)
      else printStatus(status)
      return 0
    })
  },
}

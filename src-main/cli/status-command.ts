// `jobdeck status`: the runner (with adaptive concurrency's limit), the host, what runs (with attempt, progress and time left) and
// what waits (in run order, when it should start and why it waits), or all of it as JSON.
import { absoluteTime } from '../../src-shared/local-time'
import type { RunnerStatus } from '../../src-shared/domain'
import { currentAttempt, attemptText } from '../../src-shared/attempts'
import { etaLeftText, queueEtas, startText } from '../../src-shared/eta'
import { formatBytes } from '../../src-shared/units'
import type { Core } from '../core/core'
import { paramsText, printJson, printLine, progressText, runDuration, table } from './output'
import { concurrencyText, waitReasonText } from './wording'
import { callApi } from './api-call'

export async function printStatus(core: Core, json: boolean, now = Date.now()): Promise<number> {
  const status = await callApi(core, 'runner.status', { limit: 500 })
  if (json) {
    printJson(status)
    return 0
  }
  const maxRetries = (type: string): number | null => core.config.current.types.get(type)?.retries.max ?? null
  printSummary(status)
  const etas = queueEtas(status, now)
  if (status.running.length > 0) {
    process.stdout.write('\nrunning\n')
    process.stdout.write(
      table(
        ['run', 'type', 'lane', 'attempt', 'elapsed', 'progress', 'left', 'params'],
        status.running.map(({ job, run }) => {
          const eta = etas.runs.get(run.id)
          return [
            run.id,
            run.type,
            run.lane,
            attemptText(currentAttempt(run.attempt, job, maxRetries(run.type))),
            runDuration(run, now),
            progressText(run),
            eta ? etaLeftText(eta) : 'unknown',
            paramsText(run.params),
          ]
        }),
      ),
    )
  }
  if (status.queued.length > 0) {
    process.stdout.write('\nwaiting (in run order)\n')
    process.stdout.write(
      table(
        ['#', 'job', 'type', 'priority', 'lane', 'starts', 'why it waits', 'params'],
        status.queued.map((j, index) => [
          String(index + 1),
          j.id,
          j.type,
          j.priority,
          j.lane,
          startText(etas.starts.get(j.id) ?? null),
          waitReasonText(j.waitReason, now),
          paramsText(j.params),
        ]),
        new Set([0]),
      ),
    )
  }
  return 0
}

function printSummary(status: RunnerStatus): void {
  const c = status.counts
  printLine(
    `runner: ${status.state}${status.runnerPid ? ` (pid ${status.runnerPid})` : ''}` +
      ` · ${c.running} running · ${c.queued + c.retrying} waiting · ${c.succeeded} succeeded · ${c.partial} partial · ${c.failed} failed · ${c.canceled} canceled`,
  )
  const { limits } = status
  if (limits.adaptive) printLine(`${concurrencyText(limits.concurrency, limits.maxConcurrency, limits.concurrencyReason)} (adaptive, min ${limits.minConcurrency})`)
  const conn = status.connection
  if (conn.mode === 'shared') {
    const since = conn.offlineSince ? ` since ${absoluteTime(conn.offlineSince)}` : ''
    printLine(
      `database: ${conn.status}${since} · ${conn.url}` +
        (conn.status === 'offline' ? ` · ${conn.error ?? ''}` : '') +
        (conn.outboxPending > 0 ? ` · ${conn.outboxPending} waiting in the outbox` : '') +
        ` · ${status.runners.length} runner${status.runners.length === 1 ? '' : 's'}`,
    )
  }
  for (const b of status.breakers) {
    if (b.state !== 'closed') printLine(`circuit breaker ${b.host}: ${b.state} (${b.failures} failures${b.openedAt ? `, since ${absoluteTime(b.openedAt)}` : ''})`)
  }
  const h = status.health
  if (h) {
    printLine(
      `health: ${h.level}${h.reasons.length ? ` (${h.reasons.join('; ')})` : ''} · CPU ${Math.round(h.cpu)}%` +
        ` · memory ${Math.round(h.memory.usedPercent)}% (${formatBytes(h.memory.availableBytes)} free)` +
        h.disk.map((d) => ` · disk ${d.path} ${Math.round(d.usedPercent)}%`).join('') +
        ` · sampled ${absoluteTime(h.sampledAt)}`,
    )
  }
}

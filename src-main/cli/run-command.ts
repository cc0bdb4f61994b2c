import { absoluteTime } from '../../src-shared/local-time'
import { attemptText, currentAttempt } from '../../src-shared/attempts'
import type { Job } from '../../src-shared/domain'
import { redactLogText } from '../../src-shared/redact'
import type { Logger } from '../core/app-log'
import type { Core } from '../core/core'
import { onStopRequest } from './closed-output'
import { escapeTerminal, term } from './terminal-text'

/**
 * The runner as a foreground process: prints each transition, reloads the config on SIGHUP,
 * and on SIGINT/SIGTERM (or when its output is closed) stops running process trees and re-queues
 * their jobs.
 */
/** How long `--until-idle` waits for the alerts of its last jobs to go out before it exits. */
const ALERT_FLUSH_MS = 30_000

export async function runHeadless(core: Core, options: { untilIdle: boolean; log?: Logger }): Promise<number> {
  /**
   * One event, one line (or more only where `text` itself breaks it): values come escaped via term.
   * With --log-file the log has them too, so the file alone tells the runner's story.
   */
  const say = (text: string, level: 'info' | 'warn' = 'info'): void => {
    process.stdout.write(`${absoluteTime(new Date().toISOString())}  ${text}\n`)
    options.log?.[level](text)
  }
  // In shared mode a change can arrive twice (recorded here, then mirrored back): say it once.
  const said = new Map<string, string>()
  core.events.on('run.changed', ({ run }) => {
    if (said.get(run.id) === run.status) return
    said.set(run.id, run.status)
    if (said.size > 10_000) said.delete(said.keys().next().value as string)
    if (run.status === 'running') {
      let job: Job | null = null
      try {
        job = core.store.getJob(run.jobId)
      } catch {
        // Cleared meanwhile: the attempt is said without its budget.
      }
      const attempt = job ? attemptText(currentAttempt(run.attempt, job, core.config.current.types.get(run.type)?.retries.max ?? null)) : `attempt ${run.attempt}`
      say(term`started  ${run.type} ${run.id} (job ${run.jobId}, ${attempt}, lane ${run.lane})`)
    }
    else say(term`${run.status.padEnd(8)} ${run.type} ${run.id}` + (run.error ? term`: ${run.error}` : ''))
  })
  core.events.on('job.changed', ({ job }) => {
    if (job.status === 'queued' && job.attempts === 0) say(term`queued   ${job.type} ${job.id} (${job.priority}, lane ${job.lane})`)
    if (job.status === 'retrying' && job.runAfter) say(term`retrying ${job.type} ${job.id} at ${absoluteTime(job.runAfter)}`)
  })
  core.events.on('runner.changed', ({ state }) => say(term`runner ${state}`))
  core.events.on('config.changed', ({ ok, path, errors }) => {
    if (ok) say(term`config reloaded from ${path}`)
    // An error may quote a value of the file (a URL with its password, a webhook's token path).
    else say(term`config NOT reloaded, keeping the previous one; ${path} has errors:` + `\n${errors.map((e) => escapeTerminal(redactLogText(e))).join('\n')}`, 'warn')
  })

  say(term`runner starting on ${core.dataDir} with ${core.config.path}`)
  const runner = core.startRunner()

  let stopping: Promise<number> | null = null
  const stop = (why: string): Promise<number> => {
    stopping ??= (async () => {
      say(term`${why}: stopping; running jobs are stopped and re-queued`)
      await core.close()
      return 0
    })()
    return stopping
  }

  return new Promise<number>((resolve) => {
    onStopRequest((why) => void stop(why).then(resolve))
    process.on('SIGHUP', () => core.config.reload())
    if (options.untilIdle) {
      void runner.whenIdle().then(async () => {
        say('idle: nothing queued or running')
        const unsent = await core.alerts.flush(ALERT_FLUSH_MS)
        if (unsent > 0) say(`${unsent} alert${unsent === 1 ? '' : 's'} not sent yet: the next runner on this data dir sends ${unsent === 1 ? 'it' : 'them'}`)
        await core.close()
        resolve(0)
      })
    }
  })
}

// Retention through the real command, beside a runner running a real child process: `jobdeck
// retention` says what the next pass deletes, `retention run` deletes exactly that, and the job
// running meanwhile (made to look as old as the rest) runs on and finishes.
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, type CliResult } from '../core/test-support/cli-process'
import type { RetentionPass, RetentionStatus } from '../../src-shared/retention'
import { DAY, finishedJob, seedJobs } from '../core/test-support/retention-history'
import { makeTestEnv, waitFor, waitForTerminal, type TestEnv } from '../core/test-support/test-env'


let env: TestEnv | null = null
afterEach(() => {
  env?.cleanup()
  env = null
})

const cli = (args: string[]): CliResult => runCli(env, args)

const CONFIG = `jobs:
  nap:
    command: [node, scripts/sleep.js, "{ms}"]
    params:
      ms: { type: integer, required: true }
retention:
  succeeded: 7d
  keepLast: 1
  logs: 1d
`

describe('jobdeck retention', () => {
  it('says what the next pass deletes, deletes exactly that, and never the job running meanwhile', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open({ retentionFirstPassMs: 3_600_000 })
    core.startRunner()
    const running = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 4000 } })
    await waitFor(() => core.store.getJob(running.id).status === 'running', 20_000, 'the nap to start')
    const now = Date.now()
    // Its run made as old as the history around it: age alone must not make it go.
    core.store.db.prepare(`UPDATE runs SET started_at = ?, queued_at = ? WHERE job_id = ?`).run(now - 30 * DAY, now - 30 * DAY, running.id)
    seedJobs(core.store.db, [
      finishedJob('old-1', 'nap', 'succeeded', 30 * DAY, now),
      finishedJob('old-2', 'nap', 'succeeded', 20 * DAY, now),
      finishedJob('old-3', 'nap', 'succeeded', 10 * DAY, now, 5),
      finishedJob('young', 'nap', 'succeeded', 2 * DAY, now, 4),
    ])

    const status = JSON.parse(cli(['retention', '--json']).stdout) as RetentionStatus
    // keepLast 1 keeps `young`; 'old-*' go with their runs; young's four lines are older than a day.
    expect(status.next).toMatchObject({ jobs: 3, runs: 3, capped: false })
    expect(status.next.logLines).toBe(2 + 2 + 5 + 4)
    expect(status.lastPass).toBeNull()
    expect(status.nextPassAt).toBeNull()
    expect(status.policy).toContain('output of finished runs after 1 day (the run stays, marked truncated)')

    const ran = cli(['retention', 'run', '--json'])
    expect(ran.code).toBe(0)
    const pass = JSON.parse(ran.stdout) as RetentionPass
    expect(pass).toMatchObject({ deleted: { jobs: 3, runs: 3, logLines: 4 }, scope: 'local', error: null })
    expect(core.store.db.prepare(`SELECT id FROM jobs ORDER BY id`).pluck().all()).toEqual([running.id, 'young'].sort())

    const [done] = await waitForTerminal(core, [running.id])
    expect(done?.status).toBe('succeeded')
    const text = cli(['retention'])
    expect(text.stdout).toMatch(/^last pass: .*deleted 3 jobs, 3 runs, 4 output lines/m)
    expect(text.stdout).toMatch(/^next pass: /m)
  })

  it('refuses an unknown action, naming what it takes', () => {
    env = makeTestEnv(CONFIG)
    const result = cli(['retention', 'purge'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('unknown action "purge"; expected run')
  })
})

// Schedules through the real command, with real runner processes: fires on time under `jobdeck
// run`, and after a kill -9 and a gap, exactly the catch-up the policy says, no fire twice.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, type CliResult } from '../core/test-support/cli-process'
import type { ScheduleFire, ScheduleInfo } from '../../src-shared/schedules'
import type { ListedRun } from '../../src-shared/search'
import { makeTestEnv, sleep, waitFor, type TestEnv } from '../core/test-support/test-env'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))

const config = (schedule: string): string => `
jobs:
  tick:
    command: [node, -e, "setTimeout(() => undefined, 20)"]
    params:
      n: { type: integer, default: 1 }
schedules:
  every-second:
    job: tick
    every: 1s
    overlap: allow
${schedule}`

let env: TestEnv
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  env.cleanup()
})

const cli = (args: string[]): CliResult => runCli(env, args, 60_000)

function startRunner(): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [BIN, 'run', '--data-dir', env.dataDir, '--config', env.configPath], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return { child, output: () => output }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })
}

/** Oldest first. */
const fires = (): ScheduleFire[] => (JSON.parse(cli(['fires', '--json', '--schedule', 'every-second']).stdout) as ScheduleFire[]).reverse()
const at = (fire: ScheduleFire): number => Date.parse(fire.scheduledFor)

describe('schedules under jobdeck run', () => {
  it('every: 1s fires each second on time; each fire made one job that carries the schedule’s name', async () => {
    env = makeTestEnv(config(''))
    const runner = startRunner()
    await waitFor(() => /runner (idle|running)/.test(runner.output()), 30_000, 'the runner to start')
    await sleep(4_500)
    runner.child.kill('SIGTERM')
    expect(await exited(runner.child)).toBe(0)

    const recorded = fires()
    expect(recorded.length).toBeGreaterThanOrEqual(3)
    for (const [i, fire] of recorded.entries()) {
      expect(fire.outcome).toBe('enqueued')
      expect(at(fire) % 1000).toBe(0)
      if (i > 0) expect(at(fire) - at(recorded[i - 1] as ScheduleFire)).toBe(1000)
      // On time: decided within a fraction of a second of the scheduled time, never before it.
      const late = Date.parse(fire.firedAt) - at(fire)
      expect(late).toBeGreaterThanOrEqual(0)
      expect(late).toBeLessThan(1000)
    }
    const runs = JSON.parse(cli(['history', '--json']).stdout) as ListedRun[]
    // The last fire's job may still wait when the runner stops.
    expect(runs.length).toBeGreaterThanOrEqual(recorded.length - 2)
    for (const run of runs) expect(recorded.map((f) => f.jobId)).toContain(run.jobId)
    expect(runs.every((r) => r.schedule === 'every-second')).toBe(true)

    const [listed] = JSON.parse(cli(['schedules', '--json']).stdout) as ScheduleInfo[]
    expect(listed).toMatchObject({ name: 'every-second', job: 'tick', cron: null, every: '1s', enabled: true, pausedUntil: null, description: 'Every second' })
    expect(listed?.nextFires).toHaveLength(5)
    expect(listed?.lastFire).toEqual(recorded.at(-1))
  })

  it('kill -9, then a restart after a gap: the missed fires are judged once by the policy (latest), no fire twice, no second missing', async () => {
    env = makeTestEnv(config('    missed: latest\n    catchupWindow: 1h\n'))
    const first = startRunner()
    await waitFor(() => /runner (idle|running)/.test(first.output()), 30_000, 'the runner to start')
    await waitFor(() => fires().length >= 2, 20_000, 'two fires')
    first.child.kill('SIGKILL')
    await exited(first.child)
    const beforeKill = fires()
    const lastBefore = at(beforeKill.at(-1) as ScheduleFire)
    await sleep(3_500)

    const second = startRunner()
    await waitFor(() => /runner (idle|running)/.test(second.output()), 30_000, 'the restart')
    await sleep(2_000)
    second.child.kill('SIGTERM')
    expect(await exited(second.child)).toBe(0)

    const all = fires()
    // Every second from the first fire to the last is recorded exactly once.
    const times = all.map(at)
    expect(new Set(times).size).toBe(times.length)
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBe(1000)
    // What the first runner recorded stands unchanged.
    expect(all.slice(0, beforeKill.length)).toEqual(beforeKill)
    // The catch-up: every fire after the kill up to the restart, decided at one instant.
    const caught = all.filter((f) => at(f) > lastBefore && Date.parse(f.firedAt) - at(f) >= 1000)
    const decidedAt = new Set(caught.map((f) => f.firedAt))
    expect(decidedAt.size).toBe(1)
    expect(caught.length).toBeGreaterThanOrEqual(2)
    const latest = all.filter((f) => f.firedAt === [...decidedAt][0] && at(f) > lastBefore)
    expect(latest.slice(0, -1).every((f) => f.outcome === 'missed' && f.reason?.includes('a later fire') === true)).toBe(true)
    expect(latest.at(-1)?.outcome).toBe('enqueued')
    expect(second.output()).toContain(`every-second missed ${latest.length} fires; ran the latest`)
    // Every enqueued fire has its own job, and no job was made without a fire.
    const jobs = (JSON.parse(cli(['history', '--json']).stdout) as ListedRun[]).map((r) => r.jobId)
    const fired = all.filter((f) => f.outcome === 'enqueued').map((f) => f.jobId)
    expect(new Set(fired).size).toBe(fired.length)
    for (const jobId of jobs) expect(fired).toContain(jobId)
  })

  it('schedules pause/resume/run and fires filters through the command line', () => {
    env = makeTestEnv(config(''))
    const paused = cli(['schedules', 'pause', 'every-second', '--until', '2h'])
    expect(paused.code).toBe(0)
    expect(paused.stdout).toMatch(/^every-second: paused until /)
    const [info] = JSON.parse(cli(['schedules', '--json']).stdout) as ScheduleInfo[]
    expect(info?.paused).toBe(true)
    expect(Date.parse(info?.pausedUntil ?? '') - Date.now()).toBeGreaterThan(3_500_000)
    expect(cli(['schedules', 'resume', 'every-second']).stdout).toMatch(/^every-second: active; next fire /)
    const run = cli(['schedules', 'run', 'every-second'])
    expect(run.stdout).toMatch(/^every-second: enqueued [0-9A-Z]{26} \(tick, lane default\) as a manual fire/)
    const manual = JSON.parse(cli(['fires', '--json', '--outcome', 'manual', '--since', '1h', '--limit', '5']).stdout) as ScheduleFire[]
    expect(manual).toHaveLength(1)
    expect(Object.keys(manual[0] ?? {})).toEqual(['schedule', 'scheduledFor', 'firedAt', 'outcome', 'reason', 'jobId'])
    const unknown = cli(['schedules', 'run', 'nightly'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/no schedule named "nightly"; the config declares: every-second/)
    expect(cli(['fires', '--outcome', 'lost']).stderr).toMatch(/--outcome: expected one of enqueued, skipped, missed, paused, manual/)
    const validate = cli(['validate'])
    expect(validate.stdout).toMatch(/every-second: tick, Every second \(every 1s\) in /)
    expect(validate.stdout.match(/ {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ {2}= {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z/g)).toHaveLength(3)
  })
})

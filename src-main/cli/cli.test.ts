import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { Run, RunnerStatus } from '../../src-shared/domain'
import { isAlive } from '../core/process/process-tree'
import { makeTestEnv, waitFor, type TestEnv } from '../core/test-support/test-env'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))

const CONFIG = `
jobs:
  mark:
    title: Append a line to a file
    command: [node, scripts/mark.js, "{tag}", "{ms}"]
    params:
      tag: { type: string, required: true, pattern: "[a-z0-9]+" }
      ms: { type: integer, default: 50, min: 0 }
    lane: "{tag}"
  boom:
    command: [node, scripts/fail.js]
`

const MARK_SCRIPT = `const fs = require('node:fs'); const [tag, ms] = process.argv.slice(2);
console.log('start ' + tag + ' pid ' + process.pid);
// A later attempt is quick: the kill -9 test's long first attempt must outlast a slow restart, not its re-run.
setTimeout(() => { fs.appendFileSync(process.env.MARKS, tag + '\\n'); console.log('done ' + tag) }, process.env.JOBDECK_ATTEMPT === '1' ? Number(ms) : Math.min(Number(ms), 100))`

let env: TestEnv
let marks: string
const children: ChildProcess[] = []

function setup(config = CONFIG): void {
  env = makeTestEnv(config)
  fs.writeFileSync(path.join(env.dir, 'scripts', 'mark.js'), MARK_SCRIPT)
  marks = path.join(env.dir, 'marks.txt')
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  env.cleanup()
})

function cli(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--data-dir', env.dataDir, '--config', env.configPath], {
    encoding: 'utf8',
    env: { ...process.env, MARKS: marks },
    input,
    timeout: 60_000,
  })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

/** The CLI with exactly these arguments (no --data-dir or --config added). */
function bare(args: string[], timeout = 60_000): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, MARKS: marks }, timeout })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

function startRunner(extra: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'run', ...extra, '--data-dir', env.dataDir, '--config', env.configPath], {
    env: { ...process.env, MARKS: marks },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  return child
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })
}

const json = <T>(text: string): T => JSON.parse(text) as T

describe('jobdeck CLI', () => {
  it('validate prints every config error with file:line:col and exits 1', () => {
    setup(`${CONFIG}  broken:\n    command: [node]\n    timeout: soon\n    params:\n      n: { type: integr }\n`)
    const result = cli(['validate'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/jobdeck\.yaml:14:14: jobs\.broken\.timeout: expected timeout as a duration/)
    expect(result.stderr).toMatch(/jobdeck\.yaml:16:18: jobs\.broken\.params\.n\.type: expected one of string, integer/)
    expect(cli(['validate', '--config', path.join(env.dir, 'missing.yaml')]).code).toBe(1)
  })

  it('enqueue prints the id; bad params and unknown flags are user errors (exit 1) naming the param', () => {
    setup()
    const ok = cli(['enqueue', 'mark', '--param', 'tag=abc'])
    expect(ok.code).toBe(0)
    expect(ok.stdout.trim()).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
    const bad = cli(['enqueue', 'mark', '--param', 'tag=ABC!'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/param "tag"/)
    expect(cli(['enqueue', 'mark', '--prio', 'high']).code).toBe(1)
    expect(cli(['history', '--status', 'great']).stderr).toMatch(/--status: expected one of/)
  })

  it('an extra argument or an option given twice is a user error (exit 1), not silently ignored', () => {
    setup()
    const extra = cli(['status', 'extra'])
    expect(extra.code).toBe(1)
    expect(extra.stderr).toMatch(/^jobdeck status: unexpected argument "extra": this command takes no arguments\nusage: jobdeck status/)
    const twice = cli(['enqueue', 'mark', '--param', 'tag=a', '--param', 'tag=b'])
    expect(twice.code).toBe(1)
    expect(twice.stderr).toMatch(/--param: "tag" is given twice \("a" and "b"\); give each param once/)
    expect(cli(['history', '--limit', '5', '--limit', '10']).stderr).toMatch(/--limit is given twice/)
    expect(json<RunnerStatus>(cli(['status', '--json']).stdout).counts.queued).toBe(0)
  })

  it('bulk enqueue validates every row first and enqueues nothing when one is bad', () => {
    setup()
    const csv = path.join(env.dir, 'jobs.csv')
    fs.writeFileSync(csv, 'tag,ms\na1,10\nb2,10\n"c 3",10\nd4,x\n')
    const bad = cli(['enqueue', 'mark', '--bulk', csv])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/2 of 4 rows are invalid; nothing was enqueued/)
    expect(bad.stderr).toMatch(/jobs\.csv:4: param "tag"/)
    expect(bad.stderr).toMatch(/jobs\.csv:5: param "ms"/)
    expect(json<RunnerStatus>(cli(['status', '--json']).stdout).counts.queued).toBe(0)

    const jsonl = path.join(env.dir, 'jobs.jsonl')
    fs.writeFileSync(jsonl, '{"tag":"a1"}\n{"tag":"b2","ms":5}\n')
    const good = cli(['enqueue', 'mark', '--bulk', jsonl])
    expect(good.code).toBe(0)
    expect(good.stdout.trim().split('\n')).toHaveLength(2)
  })

  it('bulk enqueue reads a spreadsheet’s semicolon CSV, and names the line of a quote left open', () => {
    setup()
    const excel = path.join(env.dir, 'excel.csv')
    fs.writeFileSync(excel, '\uFEFFtag;ms\r\na1;10\r\n"b2";20\r\n')
    const good = cli(['enqueue', 'mark', '--bulk', excel])
    expect(good.code).toBe(0)
    expect(good.stderr).toMatch(/enqueued 2 mark jobs/)
    expect(good.stdout.trim().split('\n')).toHaveLength(2)
    expect(json<RunnerStatus>(cli(['status', '--json']).stdout).counts.queued).toBe(2)

    const open = path.join(env.dir, 'open.csv')
    fs.writeFileSync(open, 'tag,ms\nc3,10\n"d4,10\ne5,10\n')
    const bad = cli(['enqueue', 'mark', '--bulk', open])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/open\.csv: 1 row could not be read; nothing was enqueued\n.*open\.csv:line 3: a quoted field is not closed/)
    expect(json<RunnerStatus>(cli(['status', '--json']).stdout).counts.queued).toBe(2)
  })

  it('runs the queue headless until idle; history, logs, retry, clear work on the result', () => {
    setup()
    cli(['enqueue', 'mark', '--param', 'tag=one'])
    cli(['enqueue', 'boom'])
    const run = cli(['run', '--until-idle'])
    expect(run.code).toBe(0)
    const runs = json<Run[]>(cli(['history', '--json']).stdout)
    expect(runs.map((r) => [r.type, r.status]).sort()).toEqual([
      ['boom', 'failed'],
      ['mark', 'succeeded'],
    ])
    const first = runs.find((r) => r.type === 'mark') as Run
    for (const key of ['id', 'jobId', 'type', 'status', 'attempt', 'lane', 'params', 'queuedAt', 'startedAt', 'finishedAt', 'exitCode', 'error', 'progress', 'itemsOk', 'itemsFailed', 'runnerId']) {
      expect(first).toHaveProperty(key)
    }
    expect(first.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(json<Run[]>(cli(['history', '--json', '--status', 'failed']).stdout)).toHaveLength(1)
    expect(json<Run[]>(cli(['history', '--json', '--type', 'mark', '--since', '1h']).stdout)).toHaveLength(1)
    expect(cli(['logs', first.id]).stdout).toMatch(/done one/)
    const failed = runs.find((r) => r.type === 'boom') as Run
    expect(failed.error).toMatch(/exit code 2: boom/)
    expect(cli(['retry', failed.jobId]).code).toBe(0)
    // The reason travels as data in --json and in words (with what to type) in the text.
    expect(json<RunnerStatus>(cli(['status', '--json']).stdout).queued[0]?.waitReason).toEqual({ kind: 'no-runner', shared: false })
    expect(cli(['status']).stdout).toMatch(/no runner is running on this data dir \(start one with `jobdeck run` or the app\)/)
    expect(cli(['cancel', failed.jobId]).code).toBe(0)
    const cleared = cli(['clear', '--before', new Date(Date.now() + 60_000).toISOString()])
    expect(cleared.stdout).toMatch(/removed 2 finished jobs/)
    expect(json<Run[]>(cli(['history', '--json']).stdout)).toHaveLength(0)
  })

  it('start-now marks a waiting job to pass the gate once, without asking, and refuses a finished one naming its state', () => {
    setup()
    const id = cli(['enqueue', 'mark', '--param', 'tag=now']).stdout.trim().split(/\s+/)[0] ?? ''
    const marked = cli(['start-now', id])
    expect(marked.code).toBe(0)
    expect(marked.stdout).toMatch(new RegExp(`^${id} starts at its next claim, past the resource gate`))
    expect(json<RunnerStatus>(cli(['status', '--json']).stdout).queued[0]).toMatchObject({ id, startNow: true })
    expect(cli(['run', '--until-idle']).code).toBe(0)
    const again = cli(['start-now', id])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toMatch(`job ${id} cannot start now: it is succeeded; retry it to run it again`)
  })

  it('a runner picks up a job enqueued by another process, and obeys pause/resume/cancel from it', async () => {
    setup()
    const runner = startRunner()
    let output = ''
    runner.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    await waitFor(() => output.includes('runner idle'), 20_000, 'the runner to start')
    cli(['pause'])
    const id = cli(['enqueue', 'mark', '--param', 'tag=late', '--param', 'ms=3000']).stdout.trim()
    const paused = json<RunnerStatus>(cli(['status', '--json']).stdout)
    expect(paused.state).toBe('paused')
    expect(paused.queued[0]?.waitReason).toEqual({ kind: 'paused' })
    expect(cli(['status']).stdout).toMatch(/runner paused \(resume with `jobdeck resume`\)/)
    cli(['resume'])
    await waitFor(() => output.includes(`started  mark`), 5000, 'the job to start')
    expect(cli(['cancel', id]).stdout).toMatch(/cancel requested/)
    await waitFor(() => output.includes('canceled mark'), 5000, 'the cancel')
    runner.kill('SIGTERM')
    expect(await exited(runner)).toBe(0)
  })

  it('kill -9 of the runner mid-run: the run is interrupted, the job runs again, every job finishes exactly once', async () => {
    setup()
    const tags = ['a', 'b', 'c', 'd', 'e', 'f']
    // The second job is long, so the kill lands while it runs.
    for (const tag of tags) cli(['enqueue', 'mark', '--param', `tag=${tag}`, '--param', `ms=${tag === 'b' ? 30000 : 100}`])
    const runner = startRunner()
    const running = await waitFor(() => {
      const current = json<RunnerStatus>(cli(['status', '--json']).stdout).running[0]
      return current?.job.params.tag === 'b' ? current : null
    }, 20_000, 'job b to run')
    const victimPid = await waitFor(() => {
      const line = cli(['logs', running?.run.id ?? '']).stdout.match(/pid (\d+)/)
      return line ? Number(line[1]) : null
    }, 5000, 'the job child pid')
    runner.kill('SIGKILL')
    await exited(runner)

    const restart = startRunner(['--until-idle'])
    expect(await exited(restart)).toBe(0)
    expect(isAlive(victimPid)).toBe(false) // the orphaned child was stopped, not left to finish twice

    const runs = json<Run[]>(cli(['history', '--json']).stdout)
    const interrupted = runs.filter((r) => r.status === 'interrupted')
    expect(interrupted).toHaveLength(1)
    expect(interrupted[0]?.jobId).toBe(running?.job.id)
    const again = runs.filter((r) => r.jobId === running?.job.id).map((r) => [r.attempt, r.status])
    expect(again.sort()).toEqual([
      [1, 'interrupted'],
      [2, 'succeeded'],
    ])
    const succeeded = runs.filter((r) => r.status === 'succeeded')
    expect(succeeded).toHaveLength(tags.length)
    expect(new Set(succeeded.map((r) => r.jobId)).size).toBe(tags.length)
    const marked = fs.readFileSync(marks, 'utf8').trim().split('\n').sort()
    expect(marked).toEqual(tags)
  })

  it('status shows health; history records each run peak RSS and CPU seconds; monitor prints a sample a second', async () => {
    setup(`monitor: { interval: 200ms, runInterval: 100ms }\n${CONFIG}`)
    cli(['enqueue', 'mark', '--param', 'tag=usage', '--param', 'ms=800'])
    const runner = startRunner()
    const status = await waitFor(() => {
      const s = json<RunnerStatus>(cli(['status', '--json']).stdout)
      return s.health ? s : null
    }, 20_000, 'a health summary')
    expect(status.health?.level).toMatch(/^(healthy|warning|critical)$/)
    expect(status.health?.memory.totalBytes).toBeGreaterThan(0)
    expect(status.health?.disk.length).toBeGreaterThan(0)
    await waitFor(() => json<Run[]>(cli(['history', '--json']).stdout)[0]?.status === 'succeeded', 20_000, 'the run')
    const [run] = json<Run[]>(cli(['history', '--json']).stdout)
    expect(run?.peakRssBytes).toBeGreaterThan(1024 * 1024)
    expect(run?.cpuSeconds).toBeGreaterThanOrEqual(0)
    runner.kill('SIGTERM')
    await exited(runner)

    const monitor = spawn(process.execPath, [BIN, 'monitor', '--json', '--data-dir', env.dataDir, '--config', env.configPath], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(monitor)
    let lines = ''
    monitor.stdout?.on('data', (chunk: Buffer) => (lines += chunk.toString()))
    await waitFor(() => lines.split('\n').filter(Boolean).length >= 3, 20_000, 'three samples')
    monitor.kill('SIGINT')
    expect(await exited(monitor)).toBe(0)
    const samples = lines.split('\n').filter(Boolean).map((l) => json<{ sample: { cpuPercent: number; at: number }; health: { level: string } }>(l))
    expect(samples[0]?.sample.cpuPercent).toBeGreaterThanOrEqual(0)
    expect(samples[0]?.health.level).toMatch(/^(healthy|warning|critical)$/)
    expect((samples[2]?.sample.at ?? 0) - (samples[1]?.sample.at ?? 0)).toBeGreaterThanOrEqual(150)
  })

  it('a --data-dir that is a file or on /proc is a user error saying what is wrong, not a stack trace or a hang', () => {
    setup()
    const file = path.join(env.dir, 'notes.txt')
    fs.writeFileSync(file, 'not a folder')
    const cases: Array<[string, RegExp]> = [
      [file, /^jobdeck: --data-dir .*notes\.txt: is a file, not a folder/],
      [path.join(file, 'data'), /^jobdeck: --data-dir .*: cannot be created: .*notes\.txt is a file/],
    ]
    if (process.platform === 'linux') cases.push(['/proc/jobdeck', /^jobdeck: --data-dir \/proc\/jobdeck: is on the proc pseudo filesystem/])
    for (const command of [['status'], ['enqueue', 'mark', '--param', 'tag=a'], ['run', '--until-idle']]) {
      for (const [dir, why] of cases) {
        const result = bare([...command, '--data-dir', dir, '--config', env.configPath], 20_000)
        expect(result.code, `${command[0]} --data-dir ${dir}: ${result.stderr}`).toBe(1)
        expect(result.stderr).toMatch(why)
        expect(result.stderr).not.toMatch(/\n\s+at /)
      }
    }
  })

  it('status, history, run and logs print escape sequences and newlines of values as visible escapes; JSON stays JSON', () => {
    setup(`jobs:\n  note:\n    command: [node, scripts/sleep.js, "10", "{text}"]\n    params:\n      text: { type: string, required: true }\n    lane: "lane-{text}"\n`)
    // Retitles the terminal, turns it red, forges a line of `jobdeck run`, shows text reversed.
    const hostile = '\x1b]0;pwned\x07\x1b[31mred\n2026-01-01 00:00:00  succeeded forged\u202eevil\u009b2J\x7f'
    // eslint-disable-next-line no-control-regex -- what must never reach the terminal raw
    const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/
    const FORGED = /^2026-01-01 00:00:00 {2}succeeded forged/m
    expect(cli(['enqueue', 'note', '--param', `text=${hostile}`]).code).toBe(0)

    const status = cli(['status'])
    expect(status.code).toBe(0)
    expect(status.stdout).not.toMatch(RAW)
    expect(status.stdout).not.toMatch(FORGED)
    expect(status.stdout).toContain('\\x1b]0;pwned\\x07\\x1b[31mred\\n2026')
    const statusJson = cli(['status', '--json'])
    expect(statusJson.stdout).not.toMatch(RAW)
    expect(json<RunnerStatus>(statusJson.stdout).queued[0]?.params.text).toBe(hostile)

    const run = cli(['run', '--until-idle'])
    expect(run.code).toBe(0)
    expect(run.stdout).not.toMatch(RAW)
    expect(run.stdout).not.toMatch(FORGED)
    expect(run.stdout).toContain('lane lane-\\x1b]0;pwned')

    const history = cli(['history'])
    expect(history.stdout).not.toMatch(RAW)
    expect(history.stdout).not.toMatch(FORGED)
    expect(history.stdout.trim().split('\n')).toHaveLength(2) // the header and the one run
    const historyJson = cli(['history', '--json'])
    expect(historyJson.stdout).not.toMatch(RAW)
    const [done] = json<Run[]>(historyJson.stdout)
    expect(done?.params.text).toBe(hostile)

    const logs = cli(['logs', done?.id ?? ''])
    expect(logs.stdout).toContain('start \\x1b]0;pwned')
    expect(logs.stdout).not.toMatch(RAW)
  })

  it('an error on stderr masks credentials and cuts a long value it repeats', () => {
    setup()
    const leaky = cli(['enqueue', 'postgres://jd:hunter2@db/q?token=t0k3n'])
    expect(leaky.code).toBe(1)
    expect(leaky.stderr).toMatch(/unknown job type "postgres:\/\/jd:••••@db\/q\?token=••••"/)
    expect(leaky.stderr).not.toMatch(/hunter2|t0k3n/)
    const long = cli(['enqueue', 'x'.repeat(100_000)])
    expect(long.code).toBe(1)
    expect(long.stderr).toMatch(/… \(100002 chars\)/)
    expect(long.stderr.length).toBeLessThan(1_000)
  })

  it('refuses a second runner on the same data dir', async () => {
    setup()
    const first = startRunner()
    let output = ''
    first.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    await waitFor(() => output.includes('runner idle'), 20_000, 'the first runner')
    const second = cli(['run', '--until-idle'])
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/another runner \(pid \d+/)
  })

  it.skipIf(process.platform === 'win32')('tightens a data dir readable by others at start, saying so on stderr', () => {
    setup()
    expect(cli(['enqueue', 'mark', '--param', 'tag=a']).code).toBe(0)
    fs.chmodSync(env.dataDir, 0o755)
    fs.chmodSync(path.join(env.dataDir, 'jobdeck.sqlite'), 0o644)
    const status = cli(['status'])
    expect(status.code).toBe(0)
    expect(status.stderr).toMatch(/^jobdeck: the data dir .* was readable by other users of this machine .*the folder 0755 → 0700, jobdeck\.sqlite 0644 → 0600/m)
    expect(fs.statSync(env.dataDir).mode & 0o777).toBe(0o700)
    expect(cli(['status']).stderr).not.toContain('readable by other users')
  })

  it('shows a secret param as •••• in every output (status, history, logs, JSON) while the job gets the value', () => {
    setup(`${CONFIG}
  deploy:
    command: [node, scripts/mark.js, "{token}", "0"]
    params:
      token: { type: string, secret: true, required: true }
`)
    const enqueued = cli(['enqueue', 'deploy', '--param', 'token=tok-hunter2', '--json'])
    expect(enqueued.code).toBe(0)
    const queued = cli(['status'])
    const queuedJson = cli(['status', '--json'])
    expect(cli(['run', '--until-idle']).code).toBe(0)
    // The job itself got the value (mark.js appends it to the marks file).
    expect(fs.readFileSync(marks, 'utf8')).toBe('tok-hunter2\n')
    const id = (JSON.parse(enqueued.stdout) as { id: string }).id
    const outputs = [enqueued, queued, queuedJson, cli(['history']), cli(['history', '--json']), cli(['logs', id]), cli(['status', '--json'])]
    for (const output of outputs) expect(`${output.stdout}${output.stderr}`).not.toContain('tok-hunter2')
    expect(JSON.parse(enqueued.stdout).params).toEqual({ token: '••••' })
    expect(queued.stdout).toContain('token=••••')
    expect(cli(['logs', id]).stdout).toContain('start •••• pid')
  })

  it('warns once on stderr when --pg carries a password, naming the safer ways, and never repeats it', () => {
    setup()
    // Nothing listens on port 1: the command answers from the local cache at once.
    const withPassword = cli(['status', '--pg', 'postgres://queue:hunter2@127.0.0.1:1/jobdeck'])
    const warnings = withPassword.stderr.split('\n').filter((line) => line.includes('--pg is visible to every user'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/PGPASSWORD.*~\/\.pgpass.*JOBDECK_PG_URL/)
    expect(`${withPassword.stdout}${withPassword.stderr}`).not.toContain('hunter2')
    const without = cli(['status', '--pg', 'postgres://queue@127.0.0.1:1/jobdeck'])
    expect(without.stderr).not.toContain('--pg is visible')
  })
})

import { chmodSync, mkdirSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { getEventListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LogStream, Progress } from '../../../src-shared/domain'
import { isAlive, signalProcess } from '../process/process-tree'
import { makeScriptDir, TREE_SCRIPT, type ScriptDir } from '../test-support/process-scripts'
import { createCommandExecutor, runCommand, type CommandOptions, type CommandSpec } from './command'
import { KILL_NOW, type ExecutionContext } from './types'

const posix = process.platform !== 'win32'

interface Recorded {
  started: Array<number | null>
  logs: Array<{ stream: LogStream; text: string }>
  progress: Progress[]
  items: Array<[number, number]>
}

function makeContext(signal: AbortSignal = new AbortController().signal, onLine?: (text: string) => void): {
  ctx: ExecutionContext
  rec: Recorded
} {
  const rec: Recorded = { started: [], logs: [], progress: [], items: [] }
  const ctx: ExecutionContext = {
    runId: 'run-1',
    jobId: 'job-1',
    type: 'test',
    attempt: 1,
    params: {},
    signal,
    onStarted: (pid) => rec.started.push(pid),
    onProgress: (progress) => rec.progress.push(progress),
    onItems: (ok, failed) => rec.items.push([ok, failed]),
    onLog: (stream, text) => {
      rec.logs.push({ stream, text })
      onLine?.(text)
    },
  }
  return { ctx, rec }
}

const lines = (rec: Recorded, stream: LogStream): string[] =>
  rec.logs.filter((log) => log.stream === stream).map((log) => log.text)

/** The system lines saying what was done, without the count of stopped processes that ends them. */
const actions = (rec: Recorded): string[] => lines(rec, 'system').filter((text) => !STOPPED_LINE.test(text))
const STOPPED_LINE = /^stopped \d+ process(es)? of this run$/
const stoppedLine = (rec: Recorded): string | undefined => lines(rec, 'system').find((text) => STOPPED_LINE.test(text))

const grandchildOf = (rec: Recorded): number => {
  const line = lines(rec, 'stdout').find((text) => text.startsWith('grandchild '))
  if (!line) throw new Error(`no grandchild line in ${JSON.stringify(rec.logs)}`)
  return Number(line.slice('grandchild '.length))
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
  return env
}

const FAST: CommandOptions = { timeoutMs: null, killGraceMs: 300 }

describe('command executor', () => {
  let scripts: ScriptDir
  let spec: (argv: string[], over?: Partial<CommandSpec>) => CommandSpec
  let node: (code: string, ...args: string[]) => string[]
  let tree: (...flags: string[]) => string[]
  const strays: number[] = []
  let counter = 0

  beforeAll(() => {
    scripts = makeScriptDir()
    const treeScript = scripts.write('tree.mjs', TREE_SCRIPT)
    spec = (argv, over) => ({ argv, cwd: scripts.dir, env: inheritedEnv(), ...over })
    node = (code, ...args) => [process.execPath, scripts.write(`script-${++counter}.mjs`, code), ...args]
    tree = (...flags) => [process.execPath, treeScript, ...flags]
  })
  afterEach(() => {
    for (const pid of strays.splice(0)) signalProcess(pid, 'SIGKILL')
  })
  afterAll(() => scripts.cleanup())

  it('runs a command, streams both outputs and reports the pid it started', async () => {
    const { ctx, rec } = makeContext()
    const result = await runCommand(
      spec(node(`console.log('pid ' + process.pid); console.log('hello'); console.error('a warning'); console.log('bye')`)),
      FAST,
      ctx,
    )
    expect(result).toEqual({
      outcome: 'succeeded',
      exitCode: 0,
      signal: null,
      error: null,
      timedOut: false,
      itemsOk: null,
      itemsFailed: null,
      processesStopped: 0,
    })
    const [pidLine, ...rest] = lines(rec, 'stdout')
    expect(rest).toEqual(['hello', 'bye'])
    expect(lines(rec, 'stderr')).toEqual(['a warning'])
    expect(lines(rec, 'system')).toEqual([])
    expect(rec.started).toEqual([Number(pidLine?.slice(4))])
    expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(0)
  })

  it('passes env and cwd', async () => {
    const sub = join(scripts.dir, 'work dir')
    mkdirSync(sub, { recursive: true })
    const { ctx, rec } = makeContext()
    const result = await runCommand(
      spec(node(`console.log(process.env.JOBDECK_TEST); console.log(process.cwd())`), {
        cwd: sub,
        env: { ...inheritedEnv(), JOBDECK_TEST: 'from env' },
      }),
      FAST,
      ctx,
    )
    expect(result.outcome).toBe('succeeded')
    expect(lines(rec, 'stdout')).toEqual(['from env', realpathSync(sub)])
  })

  it('keeps every argv element literal: no shell, no splitting, no expansion', async () => {
    const args = ['two words', '$HOME', 'a; echo injected', '`id`', '$(id)', '*', '"quoted"', "'single'", 'ü ✓', '%PATH%']
    const { ctx, rec } = makeContext()
    const result = await runCommand(spec(node(`console.log(JSON.stringify(process.argv.slice(2)))`, ...args)), FAST, ctx)
    expect(result.outcome).toBe('succeeded')
    expect(lines(rec, 'stdout')).toEqual([JSON.stringify(args)])
  })

  it('fails on a non-zero exit with the last stderr line', async () => {
    const { ctx, rec } = makeContext()
    const result = await runCommand(
      spec(node(`console.error('first problem'); console.error('Error: dealer 7 not found'); console.error(''); process.exitCode = 2`)),
      FAST,
      ctx,
    )
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 2, error: 'exit code 2: Error: dealer 7 not found' })
    expect(lines(rec, 'stderr')).toEqual(['first problem', 'Error: dealer 7 not found', ''])
  })

  it('masks credentials the job echoed in the line that becomes its error', async () => {
    const { ctx } = makeContext()
    const result = await runCommand(
      spec(node(`console.error('connect failed: postgres://etl:hunter2@db.internal/dw'); process.exit(3)`)),
      FAST,
      ctx,
    )
    expect(result.outcome).toBe('failed')
    expect(result.error).toContain('postgres://etl:••••@db.internal/dw')
    expect(result.error).not.toContain('hunter2')
  })

  it('reads progress from stdout only and keeps it out of the log', async () => {
    const { ctx, rec } = makeContext()
    const result = await runCommand(
      spec(
        node(`
          console.log('::progress 1/4 first dealer')
          console.log('::progress 50%')
          console.log('::progress bogus')
          console.error('::progress 60%')
          console.log('::progress 40.5% almost')
        `),
      ),
      FAST,
      ctx,
    )
    expect(result.outcome).toBe('succeeded')
    expect(rec.progress).toEqual([
      { percent: 25, current: 1, total: 4, message: 'first dealer' },
      { percent: 50, current: null, total: null, message: null },
      { percent: 40.5, current: null, total: null, message: 'almost' },
    ])
    expect(lines(rec, 'stdout')).toEqual(['::progress bogus'])
    expect(lines(rec, 'stderr')).toEqual(['::progress 60%'])
  })

  it('turns item reports into a partial outcome, logging them, a missing key keeping its total', async () => {
    const { ctx, rec } = makeContext()
    const result = await runCommand(spec(node(`console.log('::items ok=5'); console.log('::items failed=2')`)), FAST, ctx)
    expect(result).toMatchObject({ outcome: 'partial', exitCode: 0, error: '2 of 7 items failed', itemsOk: 5, itemsFailed: 2 })
    expect(rec.items).toEqual([
      [5, 0],
      [5, 2],
    ])
    expect(lines(rec, 'stdout')).toEqual(['::items ok=5', '::items failed=2'])
  })

  it('fails when every item failed', async () => {
    const { ctx } = makeContext()
    const result = await runCommand(spec(node(`console.log('::items ok=0 failed=5')`)), FAST, ctx)
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 0, error: 'all 5 items failed', itemsOk: 0, itemsFailed: 5 })
  })

  it('reassembles UTF-8 split across writes and emits a last line without newline', async () => {
    const { ctx, rec } = makeContext()
    const result = await runCommand(
      spec(
        node(`
          const bytes = Buffer.from('grüße 😀 ok\\n')
          const write = (part) => new Promise((resolve) => process.stdout.write(part, resolve))
          const pause = () => new Promise((resolve) => setTimeout(resolve, 30))
          await write(bytes.subarray(0, 3)); await pause()   // inside 'ü'
          await write(bytes.subarray(3, 10)); await pause()  // inside the emoji
          await write(bytes.subarray(10)); await pause()
          await write('no newline at the end')
        `),
      ),
      FAST,
      ctx,
    )
    expect(result.outcome).toBe('succeeded')
    expect(lines(rec, 'stdout')).toEqual(['grüße 😀 ok', 'no newline at the end'])
  })

  it('caps a single line at 64 KiB', async () => {
    const { ctx, rec } = makeContext()
    const result = await runCommand(spec(node(`process.stdout.write('x'.repeat(150000) + '\\nshort\\n')`)), FAST, ctx)
    expect(result.outcome).toBe('succeeded')
    expect(lines(rec, 'stdout').map((line) => line.length)).toEqual([65536, 65536, 150000 - 2 * 65536, 5])
  })

  it.skipIf(!posix)('reports a signal it did not send', async () => {
    const { ctx } = makeContext()
    const result = await runCommand(spec(node(`process.kill(process.pid, 'SIGKILL')`)), FAST, ctx)
    expect(result).toMatchObject({ outcome: 'failed', exitCode: null, signal: 'SIGKILL', error: 'killed by SIGKILL' })
  })

  describe('spawn failures resolve as failed', () => {
    it('command not found', async () => {
      const { ctx, rec } = makeContext()
      const result = await runCommand(spec(['jobdeck-no-such-command-xyz', 'arg']), FAST, ctx)
      expect(result).toEqual({
        outcome: 'failed',
        exitCode: null,
        signal: null,
        error: 'command not found: jobdeck-no-such-command-xyz',
        timedOut: false,
        itemsOk: null,
        itemsFailed: null,
        processesStopped: 0,
      })
      expect(rec.started).toEqual([])
      expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(0)
    })

    it('missing working directory', async () => {
      const { ctx } = makeContext()
      const cwd = join(scripts.dir, 'does-not-exist')
      const result = await runCommand(spec([process.execPath, '-e', ''], { cwd }), FAST, ctx)
      expect(result).toMatchObject({ outcome: 'failed', error: `working directory not found: ${cwd}` })
    })

    it('working directory that is a file', async () => {
      const { ctx } = makeContext()
      const cwd = scripts.write('not-a-dir.txt', '')
      const result = await runCommand(spec([process.execPath, '-e', ''], { cwd }), FAST, ctx)
      expect(result.outcome).toBe('failed')
      expect(result.error).toMatch(/working directory|could not start/)
    })

    it.skipIf(!posix)('not executable', async () => {
      const { ctx } = makeContext()
      const file = scripts.write('not-executable.sh', 'echo hi\n')
      chmodSync(file, 0o644)
      const result = await runCommand(spec([file]), FAST, ctx)
      expect(result).toMatchObject({ outcome: 'failed', error: `permission denied (not executable?): ${file}` })
    })

    it('empty argv and a throwing prepare', async () => {
      const { ctx } = makeContext()
      expect(await runCommand(spec([]), FAST, ctx)).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/^empty command/) })
      const executor = createCommandExecutor(() => {
        throw new Error('param dealer_id is required')
      }, FAST)
      expect(await executor.execute(ctx)).toMatchObject({
        outcome: 'failed',
        error: 'could not prepare the command: param dealer_id is required',
      })
    })
  })

  // Windows stops trees with taskkill /T /F (no signals, different exit status): not covered here.
  describe.skipIf(!posix)('stopping', () => {
    it('times out: SIGTERM to the tree, SIGKILL after the grace to a grandchild that ignores SIGTERM', async () => {
      const { ctx, rec } = makeContext()
      const begin = performance.now()
      const result = await runCommand(spec(tree('--gc-ignore-term', '--gc-holds-output')), { timeoutMs: 500, killGraceMs: 300 }, ctx)
      const elapsed = performance.now() - begin
      const grandchild = grandchildOf(rec)
      strays.push(grandchild)
      expect(result).toMatchObject({
        outcome: 'failed',
        timedOut: true,
        exitCode: null,
        signal: 'SIGTERM',
        error: 'timed out after 500ms; stopped the process tree',
      })
      expect(actions(rec)).toEqual([
        'timeout after 500ms: sent SIGTERM to process tree',
        'still running after 300ms grace: sent SIGKILL to process tree',
      ])
      expect(stoppedLine(rec)).toBeDefined()
      expect(isAlive(grandchild)).toBe(false)
      expect(isAlive(rec.started[0] as number)).toBe(false)
      expect(elapsed).toBeGreaterThanOrEqual(790)
      expect(elapsed).toBeLessThan(1400)
    })

    it('reaches a grandchild that moved to its own process group', async () => {
      const { ctx, rec } = makeContext()
      const begin = performance.now()
      const result = await runCommand(
        spec(tree('--gc-ignore-term', '--gc-holds-output', '--gc-detached')),
        { timeoutMs: 500, killGraceMs: 300 },
        ctx,
      )
      const elapsed = performance.now() - begin
      const grandchild = grandchildOf(rec)
      strays.push(grandchild)
      expect(result).toMatchObject({ outcome: 'failed', timedOut: true })
      expect(isAlive(grandchild)).toBe(false)
      expect(elapsed).toBeLessThan(1400)
    })

    it('does not wait out the grace when the tree obeys SIGTERM', async () => {
      const { ctx, rec } = makeContext()
      const begin = performance.now()
      const result = await runCommand(spec(tree('--gc-holds-output')), { timeoutMs: 400, killGraceMs: 5000 }, ctx)
      const elapsed = performance.now() - begin
      const grandchild = grandchildOf(rec)
      strays.push(grandchild)
      expect(result).toMatchObject({ outcome: 'failed', timedOut: true })
      expect(actions(rec)).toEqual(['timeout after 400ms: sent SIGTERM to process tree'])
      expect(stoppedLine(rec)).toBeDefined()
      expect(isAlive(grandchild)).toBe(false)
      expect(elapsed).toBeLessThan(1200)
    })

    it('cancels mid-run via the abort signal', async () => {
      const controller = new AbortController()
      const { ctx, rec } = makeContext(controller.signal, (text) => {
        if (text.startsWith('grandchild ')) controller.abort()
      })
      const begin = performance.now()
      const result = await runCommand(spec(tree('--gc-holds-output')), { timeoutMs: 10_000, killGraceMs: 5000 }, ctx)
      const elapsed = performance.now() - begin
      const grandchild = grandchildOf(rec)
      strays.push(grandchild)
      expect(result).toMatchObject({ outcome: 'canceled', error: null, timedOut: false, exitCode: null, signal: 'SIGTERM' })
      expect(actions(rec)).toEqual(['canceled: sent SIGTERM to process tree'])
      expect(stoppedLine(rec)).toBeDefined()
      expect(isAlive(grandchild)).toBe(false)
      expect(isAlive(rec.started[0] as number)).toBe(false)
      expect(elapsed).toBeLessThan(2000)
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    })

    it('kills at once, without the grace, when aborted with KILL_NOW (a lease about to lapse)', async () => {
      const controller = new AbortController()
      const { ctx, rec } = makeContext(controller.signal, (text) => {
        if (text.startsWith('grandchild ')) controller.abort(KILL_NOW)
      })
      const result = await runCommand(spec(tree('--gc-holds-output', '--gc-ignore-term')), { timeoutMs: null, killGraceMs: 60_000 }, ctx)
      const grandchild = grandchildOf(rec)
      strays.push(grandchild)
      expect(result).toMatchObject({ outcome: 'canceled', signal: 'SIGKILL' })
      expect(actions(rec)).toEqual(['stopped at once: sent SIGKILL to process tree'])
      expect(isAlive(grandchild)).toBe(false)
    })

    it('does not start when already canceled', async () => {
      const controller = new AbortController()
      controller.abort()
      const { ctx, rec } = makeContext(controller.signal)
      const result = await runCommand(spec(node(`console.log('ran')`)), FAST, ctx)
      expect(result).toMatchObject({ outcome: 'canceled', exitCode: null })
      expect(rec.started).toEqual([])
      expect(rec.logs).toEqual([])
    })

    it('does not hang when the main process exits but a grandchild keeps the pipes open', async () => {
      const { ctx, rec } = makeContext()
      const begin = performance.now()
      const result = await runCommand(spec(tree('--exit', '--gc-holds-output')), { timeoutMs: null, killGraceMs: 5000 }, ctx)
      const elapsed = performance.now() - begin
      const grandchild = grandchildOf(rec)
      strays.push(grandchild)
      expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0, error: null })
      expect(actions(rec)).toEqual([
        'process exited (code 0) but processes it started still hold its output open: sent SIGTERM to process tree',
      ])
      expect(isAlive(grandchild)).toBe(false)
      expect(elapsed).toBeLessThan(1500)
    })

    it('SIGKILLs a pipe-holding leftover that ignores SIGTERM after min(grace, 2s)', async () => {
      const { ctx, rec } = makeContext()
      const begin = performance.now()
      const result = await runCommand(
        spec(tree('--exit', '--gc-holds-output', '--gc-ignore-term')),
        { timeoutMs: null, killGraceMs: 300 },
        ctx,
      )
      const elapsed = performance.now() - begin
      const grandchild = grandchildOf(rec)
      strays.push(grandchild)
      expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0 })
      expect(actions(rec)).toHaveLength(2)
      expect(actions(rec)[1]).toBe('still running after 300ms grace: sent SIGKILL to process tree')
      expect(stoppedLine(rec)).toBeDefined()
      expect(isAlive(grandchild)).toBe(false)
      expect(elapsed).toBeLessThan(1800)
    })

    it('stops a leftover in the job’s process group even when it does not hold the pipes', async () => {
      const { ctx, rec } = makeContext()
      const result = await runCommand(spec(tree('--exit')), { timeoutMs: null, killGraceMs: 300 }, ctx)
      const grandchild = grandchildOf(rec)
      strays.push(grandchild)
      expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0 })
      expect(actions(rec)).toEqual([
        'process exited (code 0) but processes it started are still running: sent SIGTERM to process tree',
      ])
      expect(isAlive(grandchild)).toBe(false)
    })

    it('gives up on pipes held by a process it cannot find instead of hanging', async () => {
      // The grandchild leaves the group and its parent exits before anyone listed the tree: nothing
      // links it to the run any more. The run must still end; the stray is reported, not killed.
      const { ctx, rec } = makeContext()
      const begin = performance.now()
      const result = await runCommand(
        spec(tree('--exit', '--gc-holds-output', '--gc-detached')),
        { timeoutMs: null, killGraceMs: 200 },
        ctx,
      )
      const elapsed = performance.now() - begin
      const grandchild = grandchildOf(rec)
      strays.push(grandchild)
      expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0 })
      expect(lines(rec, 'system').at(-1)).toBe('output is still held open by a process outside the tree: stopped reading it')
      expect(elapsed).toBeLessThan(2500)
      expect(isAlive(grandchild)).toBe(true)
    })
  })

  describe.skipIf(process.platform !== 'linux')('processes that leave the run’s session', () => {
    // `setsid` puts each sleeper in a session and group of its own, and the shell exits at once:
    // neither the tree nor the group reaches them. Only the run id they inherited does.
    const escape = (count: number, then: string): string[] => [
      'sh',
      '-c',
      `for i in $(seq ${count}); do setsid sleep 300 </dev/null >/dev/null 2>&1 & echo "sleeper $!"; done; ${then}`,
    ]
    const sleepers = (rec: Recorded): number[] =>
      lines(rec, 'stdout').filter((text) => text.startsWith('sleeper ')).map((text) => Number(text.slice('sleeper '.length)))
    const marked = (runId: string) => spec([], { env: { ...inheritedEnv(), JOBDECK_RUN_ID: runId } }).env

    it('stops all 200 children a job left running in their own sessions when it exits, and counts them', async () => {
      const { ctx, rec } = makeContext()
      const result = await runCommand({ ...spec(escape(200, 'exit 0')), env: marked('run-200') }, { timeoutMs: null, killGraceMs: 300 }, ctx)
      const pids = sleepers(rec)
      strays.push(...pids)
      expect(pids).toHaveLength(200)
      expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0, processesStopped: 200 })
      expect(pids.filter(isAlive)).toEqual([])
      expect(lines(rec, 'system')).toEqual([
        'process exited (code 0) but processes it started are still running: sent SIGTERM to process tree',
        'stopped 200 processes of this run',
      ])
    })

    it('stops them at cancel and at timeout too, SIGKILL after the grace for one that ignores SIGTERM', async () => {
      const controller = new AbortController()
      let seen = 0
      const { ctx, rec } = makeContext(controller.signal, (text) => {
        if (text.startsWith('sleeper ') && ++seen === 3) setTimeout(() => controller.abort(), 50)
      })
      const canceled = await runCommand({ ...spec(escape(3, 'sleep 300')), env: marked('run-cancel') }, FAST, ctx)
      strays.push(...sleepers(rec))
      // The shell and the three sleepers (and the shell's own sleep, if it had started yet).
      expect(canceled.outcome).toBe('canceled')
      expect(canceled.processesStopped).toBeGreaterThanOrEqual(4)
      expect(sleepers(rec).filter(isAlive)).toEqual([])

      const stubborn = ['sh', '-c', `setsid sh -c 'trap "" TERM; echo "sleeper $$"; sleep 300' </dev/null 2>&1 & sleep 300`]
      const timed = makeContext()
      const result = await runCommand({ ...spec(stubborn), env: marked('run-timeout') }, { timeoutMs: 300, killGraceMs: 200 }, timed.ctx)
      strays.push(...sleepers(timed.rec))
      expect(result).toMatchObject({ outcome: 'failed', timedOut: true })
      expect(result.processesStopped).toBeGreaterThanOrEqual(3)
      expect(lines(timed.rec, 'system')).toContain('still running after 200ms grace: sent SIGKILL to process tree')
      expect(sleepers(timed.rec).filter(isAlive)).toEqual([])
    })
  })
})

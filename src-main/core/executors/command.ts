// The `command` executor: runs an argv directly (never through a shell), streams its output as
// lines, reads the stdout line protocol and stops the whole process tree on cancel and timeout.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { ProcessTree } from '../process/process-tree'
import { findRunProcesses, type RunOrigin } from '../process/run-processes'
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, parseProtocolLine } from './line-protocol'
import { decideOutcome, formatShortDuration, withSafeError, type SpawnFailure } from './outcome'
import { KILL_NOW, type ExecutionContext, type ExecutionResult, type Executor } from './types'

export interface CommandSpec {
  /** argv[0] is the program (looked up on PATH), the rest are its arguments, passed verbatim. */
  argv: string[]
  cwd: string
  /** The child's complete environment (nothing is inherited implicitly). */
  env: Record<string, string>
}

export interface CommandOptions {
  /** Stop the run after this long; null (or ≤ 0) for no limit. */
  timeoutMs: number | null
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs: number
  /** After the main process exits, how long its output may stay open before the rest of the tree is stopped. */
  exitCloseWaitMs?: number
  maxLineBytes?: number
}

export type PrepareCommand = (ctx: ExecutionContext) => CommandSpec

const DEFAULT_EXIT_CLOSE_WAIT_MS = 500
/** Grace for processes left behind by a main process that already exited: they get less patience. */
const LEFTOVER_GRACE_CAP_MS = 2_000
/** After SIGKILL, how long to wait for the pipes before giving up on them. */
const ABANDON_AFTER_KILL_MS = 1_000
const TREE_POLL_MS = 100

const isWindows = process.platform === 'win32'

export function createCommandExecutor(prepare: PrepareCommand, options: CommandOptions): Executor {
  return {
    execute(ctx) {
      let spec: CommandSpec
      try {
        spec = prepare(ctx)
      } catch (error) {
        return Promise.resolve(failedBeforeStart(`could not prepare the command: ${messageOf(error)}`))
      }
      return runCommand(spec, options, ctx)
    },
  }
}

/** Runs one command to completion. Never rejects: every failure is a `failed` result. */
export function runCommand(spec: CommandSpec, options: CommandOptions, ctx: ExecutionContext): Promise<ExecutionResult> {
  return new Promise((resolve) => new CommandRun(spec, options, ctx, resolve).start())
}

type StopReason = 'timeout' | 'cancel' | 'leftover' | 'kill'

class CommandRun {
  private child: ChildProcess | null = null
  private tree: ProcessTree | null = null
  /** Where the pid counter stood when the run began: its processes were allocated after it. */
  private origin: RunOrigin | null = null
  private started = false
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null
  private closed = false
  private finished = false
  private stopReason: StopReason | null = null
  private spawnFailure: SpawnFailure | null = null
  private itemsOk: number | null = null
  private itemsFailed: number | null = null
  private lastStderrLine: string | null = null
  private readonly timers = new Set<NodeJS.Timeout>()
  private timeoutTimer: NodeJS.Timeout | null = null
  private pollTimer: NodeJS.Timeout | null = null
  private readonly stdoutLines: LineSplitter
  private readonly stderrLines: LineSplitter
  private readonly timeoutMs: number | null

  constructor(
    private readonly spec: CommandSpec,
    private readonly options: CommandOptions,
    private readonly ctx: ExecutionContext,
    private readonly resolve: (result: ExecutionResult) => void,
  ) {
    const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
    this.stdoutLines = new LineSplitter((line) => this.onStdoutLine(line), maxLineBytes)
    this.stderrLines = new LineSplitter((line) => this.onStderrLine(line), maxLineBytes)
    this.timeoutMs = options.timeoutMs !== null && options.timeoutMs > 0 ? options.timeoutMs : null
  }

  start(): void {
    const argv0 = this.spec.argv[0]
    if (argv0 === undefined || argv0 === '') {
      this.resolve(failedBeforeStart('empty command: the argv array has no program'))
      return
    }
    if (this.ctx.signal.aborted) {
      this.resolve({ ...failedBeforeStart(null), outcome: 'canceled' })
      return
    }

    let child: ChildProcess
    try {
      child = spawn(argv0, this.spec.argv.slice(1), {
        shell: false,
        cwd: this.spec.cwd,
        env: this.spec.env,
        // Its own process group, so the whole tree can be signalled at once.
        detached: !isWindows,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      })
    } catch (error) {
      // Some failures (ENOTDIR cwd, NUL bytes in argv or env) throw instead of emitting 'error'.
      this.spawnFailure = this.toSpawnFailure(error)
      this.finish()
      return
    }
    this.child = child
    if (child.pid !== undefined) {
      this.tree = new ProcessTree(child.pid)
      // Every other process of the run descends from this one, so was allocated a pid after it.
      this.origin = { lastPid: child.pid, at: Date.now() }
      // A pid means the child exists: libuv returns only after the exec succeeded. Reporting
      // here rather than on the 'spawn' event keeps queued callbacks out of the measurement.
      this.started = true
      this.ctx.onStarted(child.pid)
    }

    child.on('error', this.onError)
    child.once('exit', this.onExit)
    child.once('close', this.onClose)
    child.stdout?.on('data', this.onStdoutData)
    child.stderr?.on('data', this.onStderrData)
    child.stdout?.on('error', ignore)
    child.stderr?.on('error', ignore)
    this.ctx.signal.addEventListener('abort', this.onAbort, { once: true })
    if (this.timeoutMs !== null) {
      this.timeoutTimer = this.schedule(this.timeoutMs, () => this.stop('timeout'))
    }
  }

  // --- child events ------------------------------------------------------------------------------

  private readonly onError = (error: Error): void => {
    if (this.finished) return
    if (!this.started && this.exit === null) {
      this.spawnFailure = this.toSpawnFailure(error)
      this.finish()
      return
    }
    this.system(`process error: ${error.message}`)
  }

  private readonly onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    this.exit = { code, signal }
    this.tree?.markRootExited()
    if (this.timeoutTimer) {
      this.clearTimer(this.timeoutTimer)
      this.timeoutTimer = null
    }
    if (this.finished) return
    // Descendants may still hold stdout/stderr open or keep running; give them a moment, then stop them.
    this.schedule(this.options.exitCloseWaitMs ?? DEFAULT_EXIT_CLOSE_WAIT_MS, () => {
      if (this.stopReason === null) this.stop('leftover')
    })
    this.maybeFinish()
  }

  private readonly onClose = (): void => {
    this.closed = true
    this.maybeFinish()
  }

  private readonly onStdoutData = (chunk: Buffer): void => {
    if (!this.finished) this.stdoutLines.push(chunk)
  }

  private readonly onStderrData = (chunk: Buffer): void => {
    if (!this.finished) this.stderrLines.push(chunk)
  }

  private readonly onAbort = (): void => this.stop(this.ctx.signal.reason === KILL_NOW ? 'kill' : 'cancel')

  // --- lines -------------------------------------------------------------------------------------

  private onStdoutLine(line: string): void {
    const message = parseProtocolLine(line)
    if (message?.kind === 'progress') {
      this.ctx.onProgress(message.progress)
      return
    }
    if (message?.kind === 'items') {
      this.itemsOk = message.ok ?? this.itemsOk ?? 0
      this.itemsFailed = message.failed ?? this.itemsFailed ?? 0
      this.ctx.onItems(this.itemsOk, this.itemsFailed)
    }
    this.ctx.onLog('stdout', line)
  }

  private onStderrLine(line: string): void {
    if (line.trim() !== '') this.lastStderrLine = line
    this.ctx.onLog('stderr', line)
  }

  private system(text: string): void {
    this.ctx.onLog('system', text)
  }

  // --- stopping ----------------------------------------------------------------------------------

  private stop(requested: StopReason): void {
    const tree = this.tree
    if (this.finished || this.stopReason !== null || !tree) return
    // A cancel after the main process exited only hurries the cleanup: its exit code stands.
    const reason: StopReason = requested === 'cancel' && this.exit !== null ? 'leftover' : requested
    this.stopReason = reason
    if (this.timeoutTimer) {
      this.clearTimer(this.timeoutTimer)
      this.timeoutTimer = null
    }
    this.adoptMarked()
    if (reason === 'kill') {
      tree.signal('SIGKILL')
      this.system(`stopped at once: ${isWindows ? 'ran taskkill /T /F on the process tree' : 'sent SIGKILL to process tree'}`)
      this.schedule(ABANDON_AFTER_KILL_MS, () => this.abandon())
      return
    }
    tree.signal('SIGTERM')
    const action = isWindows ? 'ran taskkill /T /F on the process tree' : 'sent SIGTERM to process tree'
    if (reason === 'timeout') {
      this.system(`timeout after ${formatShortDuration(this.timeoutMs ?? 0)}: ${action}`)
    } else if (reason === 'cancel') {
      this.system(`canceled: ${action}`)
    } else {
      const what = this.closed ? 'processes it started are still running' : 'processes it started still hold its output open'
      this.system(`process exited (${exitText(this.exit)}) but ${what}: ${action}`)
    }
    const grace = reason === 'leftover' ? Math.min(this.options.killGraceMs, LEFTOVER_GRACE_CAP_MS) : this.options.killGraceMs
    this.schedule(Math.max(0, grace), () => this.escalate(grace))
  }

  private escalate(graceMs: number): void {
    if (this.finished) return
    this.adoptMarked()
    if (this.exit === null || !this.closed || this.tree?.anyAlive()) {
      this.tree?.signal('SIGKILL')
      this.system(`still running after ${formatShortDuration(graceMs)} grace: sent SIGKILL to process tree`)
    }
    this.schedule(ABANDON_AFTER_KILL_MS, () => this.abandon())
  }

  /** Last resort: something we cannot reach (or an unkillable process) keeps the pipes open. */
  private abandon(): void {
    if (this.finished) return
    if (!this.closed) {
      this.system('output is still held open by a process outside the tree: stopped reading it')
      this.child?.stdout?.destroy()
      this.child?.stderr?.destroy()
    }
    if (this.exit === null) this.system('the process did not exit after SIGKILL; giving up on it')
    this.finish()
  }

  // --- finishing ---------------------------------------------------------------------------------

  private maybeFinish(): void {
    if (this.finished || this.exit === null || !this.closed) return
    if (this.tree?.anyAlive()) {
      this.pollTimer ??= setInterval(() => this.maybeFinish(), TREE_POLL_MS)
      return
    }
    // The tree is gone, but a process may have left it (its own session, re-parented away) and
    // still carry the run's mark: nothing of a job outlives it.
    if (this.adoptMarked() > 0) {
      if (this.stopReason === null) this.stop('leftover')
      else this.tree?.signal('SIGKILL')
      this.pollTimer ??= setInterval(() => this.maybeFinish(), TREE_POLL_MS)
      return
    }
    this.finish()
  }

  /** Adds the live processes carrying this run's JOBDECK_RUN_ID to the tree; returns how many. */
  private adoptMarked(): number {
    const mark = this.spec.env.JOBDECK_RUN_ID
    if (!this.tree || !this.origin || mark === undefined) return 0
    const found = findRunProcesses(mark, this.origin)
    this.tree.adopt(found)
    return found.length
  }

  private finish(): void {
    if (this.finished) return
    this.finished = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    if (this.pollTimer) clearInterval(this.pollTimer)
    this.ctx.signal.removeEventListener('abort', this.onAbort)
    this.stdoutLines.flush()
    this.stderrLines.flush()
    const processesStopped = this.tree?.stoppedCount ?? 0
    if (processesStopped > 0) {
      this.system(`stopped ${processesStopped} ${processesStopped === 1 ? 'process' : 'processes'} of this run`)
    }
    const { outcome, error } = decideOutcome({
      exitCode: this.exit?.code ?? null,
      signal: this.exit?.signal ?? null,
      timedOut: this.stopReason === 'timeout',
      canceled: this.stopReason === 'cancel' || this.stopReason === 'kill',
      itemsOk: this.itemsOk,
      itemsFailed: this.itemsFailed,
      spawnError: this.spawnFailure,
      lastStderrLine: this.lastStderrLine,
      timeoutMs: this.timeoutMs,
    })
    // The error is the job's last stderr line: credentials it echoed are masked there too.
    this.resolve(
      withSafeError({
        outcome,
        exitCode: this.exit?.code ?? null,
        signal: this.exit?.signal ?? null,
        error,
        timedOut: this.stopReason === 'timeout',
        itemsOk: this.itemsOk,
        itemsFailed: this.itemsFailed,
        processesStopped,
      }),
    )
  }

  private schedule(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
    return timer
  }

  private clearTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer)
    this.timers.delete(timer)
  }

  private toSpawnFailure(error: unknown): SpawnFailure {
    const code = codeOf(error)
    return {
      code,
      message: messageOf(error),
      argv0: this.spec.argv[0] ?? '',
      cwd: this.spec.cwd,
      cwdMissing: code === 'ENOENT' && !existsSync(this.spec.cwd),
    }
  }
}

function failedBeforeStart(error: string | null): ExecutionResult {
  return { outcome: 'failed', exitCode: null, signal: null, error, timedOut: false, itemsOk: null, itemsFailed: null }
}

function exitText(exit: { code: number | null; signal: NodeJS.Signals | null } | null): string {
  if (exit?.code !== null && exit?.code !== undefined) return `code ${exit.code}`
  return exit?.signal ? `signal ${exit.signal}` : 'unknown status'
}

function codeOf(error: unknown): string | null {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : null
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function ignore(): void {}

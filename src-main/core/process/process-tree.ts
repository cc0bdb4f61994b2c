// Finding and stopping the processes a run started. Listing is kept apart from killing because
// the resource monitor walks the same trees to sum CPU and memory per run.
import { execFile, execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'

export interface ProcessEntry {
  pid: number
  ppid: number
  /** Process group id; null when the platform listing does not report it. */
  pgid: number | null
  /** Linux state letter (`R`, `S`, `Z`, …); null elsewhere. */
  state: string | null
  /** Opaque start stamp (Linux: clock ticks since boot) that tells a reused pid apart; null elsewhere. */
  startTime: string | null
}

const isWindows = process.platform === 'win32'
const isLinux = process.platform === 'linux'

// --- parsing -------------------------------------------------------------------------------------

/** One `/proc/<pid>/stat` split into its numbered fields (proc(5)); `field(n)` is field n, 1-based. */
export interface ProcStatFields {
  pid: number
  field(n: number): string | undefined
}

/**
 * Splits one `/proc/<pid>/stat`. The command name (field 2) is in parentheses and may itself hold
 * spaces and parentheses, so the fields after it are read after the LAST `)`. Both the tree walk
 * and the resource monitor read their fields through this.
 */
export function splitProcStat(text: string): ProcStatFields | null {
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  if (open <= 0 || close < open) return null
  const pid = Number(text.slice(0, open).trim())
  if (!Number.isInteger(pid) || pid <= 0) return null
  // After `) `: field 3 (state) is index 0, so field n is index n - 3.
  const after = text.slice(close + 2).split(' ')
  return { pid, field: (n) => after[n - 3] }
}

/** The tree-walk fields of one `/proc/<pid>/stat`: parent, group, state and start stamp. */
export function parseProcStat(text: string): ProcessEntry | null {
  const stat = splitProcStat(text)
  if (!stat) return null
  const state = stat.field(3)
  const ppid = Number(stat.field(4))
  const pgid = Number(stat.field(5))
  const startTime = stat.field(22)
  if (!Number.isInteger(ppid) || !state) return null
  return {
    pid: stat.pid,
    ppid,
    pgid: Number.isInteger(pgid) ? pgid : null,
    state,
    startTime: startTime !== undefined && /^\d+$/.test(startTime) ? startTime : null,
  }
}

/** Parses `ps -A -o pid=,ppid=,pgid=` output. */
export function parsePsOutput(text: string): ProcessEntry[] {
  const entries: ProcessEntry[] = []
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)(?:\s+(\d+))?\s*$/.exec(line)
    if (!match) continue
    entries.push({
      pid: Number(match[1]),
      ppid: Number(match[2]),
      pgid: match[3] === undefined ? null : Number(match[3]),
      state: null,
      startTime: null,
    })
  }
  return entries
}

/** Every process below `pid` in `table` (children, grandchildren, …), parents before children. */
export function descendantsOf(table: readonly ProcessEntry[], pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of table) {
    if (entry.pid === entry.ppid) continue
    const list = children.get(entry.ppid)
    if (list) list.push(entry.pid)
    else children.set(entry.ppid, [entry.pid])
  }
  const result: number[] = []
  const seen = new Set<number>([pid])
  const queue = [pid]
  for (let i = 0; i < queue.length; i++) {
    for (const child of children.get(queue[i] as number) ?? []) {
      if (seen.has(child)) continue
      seen.add(child)
      result.push(child)
      queue.push(child)
    }
  }
  return result
}

// --- listing -------------------------------------------------------------------------------------

const PS_ARGS = ['-A', '-o', 'pid=,ppid=,pgid=']

function numericNames(names: string[]): string[] {
  return names.filter((name) => name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57)
}

function listProcFsSync(): ProcessEntry[] {
  const entries: ProcessEntry[] = []
  for (const name of numericNames(readdirSync('/proc'))) {
    try {
      const entry = parseProcStat(readFileSync(`/proc/${name}/stat`, 'utf8'))
      if (entry) entries.push(entry)
    } catch {
      // The process ended between readdir and read.
    }
  }
  return entries
}

async function listProcFs(): Promise<ProcessEntry[]> {
  const names = numericNames(await readdir('/proc'))
  const stats = await Promise.all(
    names.map((name) => readFile(`/proc/${name}/stat`, 'utf8').then(parseProcStat, () => null)),
  )
  return stats.filter((entry): entry is ProcessEntry => entry !== null)
}

/** The ps-based listing used on macOS and other non-Linux POSIX systems; exported for tests. */
export function listProcessesWithPsSync(): ProcessEntry[] {
  try {
    return parsePsOutput(execFileSync('ps', PS_ARGS, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
  } catch {
    return []
  }
}

export function listProcessesWithPs(): Promise<ProcessEntry[]> {
  return new Promise((resolve) => {
    execFile('ps', PS_ARGS, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      resolve(error ? [] : parsePsOutput(stdout))
    })
  })
}

/** A snapshot of the process table. Empty on Windows. */
export function listProcessesSync(): ProcessEntry[] {
  if (isWindows) return []
  if (isLinux) {
    try {
      return listProcFsSync()
    } catch {
      return listProcessesWithPsSync()
    }
  }
  return listProcessesWithPsSync()
}

export async function listProcesses(): Promise<ProcessEntry[]> {
  if (isWindows) return []
  if (isLinux) {
    try {
      return await listProcFs()
    } catch {
      return listProcessesWithPs()
    }
  }
  return listProcessesWithPs()
}

/** Every live descendant of `pid`. Windows: always [] (killing there relies on `taskkill /T`). */
export async function listDescendants(pid: number): Promise<number[]> {
  return descendantsOf(await listProcesses(), pid)
}

export function listDescendantsSync(pid: number): number[] {
  return descendantsOf(listProcessesSync(), pid)
}

// --- probing -------------------------------------------------------------------------------------

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined
}

function readProcStatSync(pid: number): ProcessEntry | null | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch (error) {
    // undefined: could not tell (e.g. /proc unavailable); null: no such process.
    return errorCode(error) === 'ENOENT' || errorCode(error) === 'ESRCH' ? null : undefined
  }
}

/** Whether `pid` is a running process. On Linux a zombie (exited, not yet reaped) counts as dead. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (isLinux) {
    const entry = readProcStatSync(pid)
    if (entry === null) return false
    if (entry !== undefined) return entry.state !== 'Z' && entry.state !== 'X'
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return errorCode(error) === 'EPERM'
  }
}

/** Linux only: field 22 of /proc/<pid>/stat. Same pid with a different value means the pid was reused. */
export function processStartTime(pid: number): string | null {
  if (!isLinux || !Number.isInteger(pid) || pid <= 0) return null
  return readProcStatSync(pid)?.startTime ?? null
}

/** Whether process group `pgid` still has a live member (Linux: zombies ignored). Always false on Windows. */
export function isGroupAlive(pgid: number): boolean {
  if (isWindows || !Number.isInteger(pgid) || pgid <= 0) return false
  try {
    process.kill(-pgid, 0)
  } catch {
    // ESRCH: empty group. EPERM: only members we may not signal, which we could not stop anyway.
    return false
  }
  if (!isLinux) return true
  try {
    return listProcFsSync().some((entry) => entry.pgid === pgid && entry.state !== 'Z' && entry.state !== 'X')
  } catch {
    return true
  }
}

// --- signalling ----------------------------------------------------------------------------------

/** Sends `signal` to one process; false when it does not exist or may not be signalled. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}

/** Sends `signal` to every member of process group `pgid` (POSIX). */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (isWindows || !Number.isInteger(pgid) || pgid <= 0) return false
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false
  }
}

function taskkillTree(pid: number): void {
  // /F because console programs ignore the polite WM_CLOSE; Windows has no SIGTERM to send.
  execFile('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true }, () => {})
}

/**
 * Signals `pid`, its process group (children are spawned `detached` so each leads its own group)
 * and every descendant found in the process table, which catches those that left the group.
 * Descendants are listed before anything is signalled: once a parent dies its children are
 * re-parented and can no longer be found from `pid`. Windows: `taskkill /T /F` whatever the signal.
 */
export function killTree(pid: number, signal: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 0) return
  if (isWindows) {
    taskkillTree(pid)
    return
  }
  const descendants = listDescendantsSync(pid)
  signalGroup(pid, signal)
  signalProcess(pid, signal)
  for (const child of descendants) signalProcess(child, signal)
}

/**
 * The processes of one run, remembered across kill attempts. The root's pid is only trusted while
 * the caller says the root has not exited (after that the pid may be reused); descendants seen
 * earlier are remembered with their start stamp, so a re-parented grandchild is still reached by
 * the second (SIGKILL) pass while a stranger that inherited its pid is not.
 */
export class ProcessTree {
  private readonly tracked = new Map<number, string | null>()
  /** Every process this tree signalled, root included: what the run's record counts as stopped. */
  private readonly signalled = new Set<number>()
  private rootExited = false

  constructor(readonly rootPid: number) {}

  /** Call when the root has been reaped (the child's 'exit' event). */
  markRootExited(): void {
    this.rootExited = true
  }

  /** Adds the root's current descendants and the group's members to the remembered set. */
  refresh(): void {
    if (isWindows) return
    const table = listProcessesSync()
    const stamps = new Map(table.map((entry) => [entry.pid, entry.startTime]))
    const found = this.rootExited ? [] : descendantsOf(table, this.rootPid)
    for (const entry of table) {
      if (entry.pgid === this.rootPid && entry.pid !== this.rootPid) found.push(entry.pid)
    }
    for (const pid of found) {
      if (!this.tracked.has(pid)) this.tracked.set(pid, stamps.get(pid) ?? null)
    }
  }

  /**
   * Remembers processes found by other means (their JOBDECK_RUN_ID): those that left the group
   * and were re-parented away from the root, e.g. by `setsid` after the root exited.
   */
  adopt(pids: readonly number[]): void {
    for (const pid of pids) {
      if (pid !== this.rootPid && !this.tracked.has(pid)) this.tracked.set(pid, processStartTime(pid))
    }
  }

  /** How many distinct processes a signal reached so far. */
  get stoppedCount(): number {
    return this.signalled.size
  }

  /** Signals the whole tree; returns how many processes (or groups) were reached. */
  signal(signal: NodeJS.Signals): number {
    if (isWindows) {
      if (this.rootExited) return 0
      taskkillTree(this.rootPid)
      this.signalled.add(this.rootPid)
      return 1
    }
    this.refresh()
    let reached = 0
    if (signalGroup(this.rootPid, signal)) reached++
    if (!this.rootExited && signalProcess(this.rootPid, signal)) {
      reached++
      this.signalled.add(this.rootPid)
    }
    for (const pid of this.livingTracked()) {
      if (signalProcess(pid, signal)) {
        reached++
        this.signalled.add(pid)
      }
    }
    return reached
  }

  /** Whether the root, a group member or a remembered descendant still runs. Windows: the root only. */
  anyAlive(): boolean {
    if (!this.rootExited && isAlive(this.rootPid)) return true
    if (isWindows) return false
    return isGroupAlive(this.rootPid) || this.livingTracked().length > 0
  }

  private livingTracked(): number[] {
    const living: number[] = []
    for (const [pid, stamp] of this.tracked) {
      const alive = isAlive(pid) && (stamp === null || processStartTime(pid) === stamp)
      if (alive) living.push(pid)
      else this.tracked.delete(pid)
    }
    return living
  }
}

// CPU and memory of one run's process tree (the job process and everything below it).
//
// Mechanisms:
// - Linux: walks down from the root through /proc/<pid>/task/<tid>/children (every thread, since a
//   child belongs to the thread that forked it), so only the tree's own processes are read, then
//   /proc/<pid>/stat for utime, stime, cutime, cstime and rss. Kernels built without
//   CONFIG_PROC_CHILDREN fall back to a full /proc scan. Every read is async; clock ticks and page
//   size come from `getconf` once per engine (defaults 100 Hz and 4096 bytes).
// - macOS (and other POSIX): one `ps -A -S -o pid=,ppid=,rss=,time=,etime=` per sample, shared by
//   the trees sampled at the same moment. -S folds reaped children's time into their parent, like
//   Linux's cutime; where ps lacks it, plain `ps` is used and reaped children's time is lost.
// - Windows: not sampled. Another process's CPU time is only reachable through WMI/PowerShell (a
//   fresh PowerShell costs ~0.3 s of CPU) or a native module, so sample() resolves null there;
//   check `treeUsageSupported` before scheduling samples.
//
// CPU seconds of a tree = the sum over its current processes of their own time plus their reaped
// children's time, so an exited child is counted once, through its parent. It is kept monotonic: a
// process leaving the tree (reparented to init when its parent dies, or never waited for) takes
// its time with it. RSS is the plain sum, so pages shared between processes count once per process.
import { execFile } from 'node:child_process'
import { access, close, open, read, readdir } from 'node:fs'
import { descendantsOf, listProcesses, splitProcStat, type ProcessEntry } from '../process/process-tree'

export interface TreeUsage {
  /** Epoch ms. */
  at: number
  /** Live processes of the tree, root first. */
  pids: number[]
  /** Percent of one core since the previous sample of this tree (on the first: since the root started, where known). */
  cpuPercent: number
  rssBytes: number
  /** Cumulative CPU time of the tree, monotonic. */
  cpuSeconds: number
}

export type TreeUsageMechanism = 'proc-children' | 'proc-scan' | 'ps' | 'none'

export interface ProcessTreeUsageOptions {
  /** Overrides the platform's mechanism (tests exercise every one on Linux). */
  mechanism?: TreeUsageMechanism
}

export const treeUsageSupported = process.platform !== 'win32'

function platformMechanism(): TreeUsageMechanism {
  if (process.platform === 'linux') return 'proc-children'
  if (process.platform === 'win32') return 'none'
  return 'ps'
}

// --- parsing -------------------------------------------------------------------------------------

export interface ProcStatUsage {
  pid: number
  ppid: number
  state: string
  /** Clock ticks. */
  utime: number
  stime: number
  cutime: number
  cstime: number
  numThreads: number
  /** Clock ticks since boot. */
  startTicks: number
  rssPages: number
}

/** Usage fields of one `/proc/<pid>/stat` (split by splitProcStat, field numbers as in proc(5)). */
export function parseProcStatUsage(text: string): ProcStatUsage | null {
  const stat = splitProcStat(text)
  const state = stat?.field(3)
  if (!stat || !state) return null
  const num = (n: number): number => Number(stat.field(n))
  const usage = {
    pid: stat.pid,
    ppid: num(4),
    state,
    utime: num(14),
    stime: num(15),
    cutime: num(16),
    cstime: num(17),
    numThreads: num(20),
    startTicks: num(22),
    rssPages: num(24),
  }
  for (const value of Object.values(usage)) if (typeof value === 'number' && !Number.isFinite(value)) return null
  return usage
}

/** Parses ps cumulative/elapsed times: `[[dd-]hh:]mm:ss[.ss]` (BSD `time` may show minutes above 59). */
export function parseDuration(text: string): number | null {
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:[.,]\d+)?)$/.exec(text.trim())
  if (!match) return null
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match
  return Number(days) * 86_400 + Number(hours) * 3_600 + Number(minutes) * 60 + Number(seconds.replace(',', '.'))
}

export interface PsUsageRow {
  pid: number
  ppid: number
  rssKiB: number
  cpuSeconds: number
  elapsedSeconds: number | null
}

/** Parses `ps -o pid=,ppid=,rss=,time=,etime=` output. */
export function parsePsUsage(text: string): PsUsageRow[] {
  const rows: PsUsageRow[] = []
  for (const line of text.split('\n')) {
    const [pid, ppid, rss, time, etime] = line.trim().split(/\s+/)
    if (pid === undefined || ppid === undefined || rss === undefined || time === undefined) continue
    const cpuSeconds = parseDuration(time)
    const row = { pid: Number(pid), ppid: Number(ppid), rssKiB: Number(rss), cpuSeconds }
    if (cpuSeconds === null || !Number.isInteger(row.pid) || !Number.isInteger(row.ppid) || !Number.isFinite(row.rssKiB)) continue
    rows.push({ ...row, cpuSeconds, elapsedSeconds: etime === undefined ? null : parseDuration(etime) })
  }
  return rows
}

// --- Linux /proc ---------------------------------------------------------------------------------

const READ_CHUNK = 8192

/**
 * Reads a small /proc file with open + one read + close: half the thread-pool round trips of
 * fs.readFile, which also fstat()s and reads again to find the end. A short read is the end,
 * because procfs fills the whole buffer when it has that much.
 */
function readProcText(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (openError, fd) => {
      if (openError) {
        reject(openError)
        return
      }
      const chunks: Buffer[] = []
      const next = (): void => {
        const buffer = Buffer.allocUnsafe(READ_CHUNK)
        read(fd, buffer, 0, READ_CHUNK, null, (readError, bytes) => {
          if (!readError && bytes === READ_CHUNK) {
            chunks.push(buffer)
            next()
            return
          }
          close(fd, () => {})
          if (readError) reject(readError)
          else resolve(Buffer.concat([...chunks, buffer.subarray(0, bytes)]).toString('latin1'))
        })
      }
      next()
    })
  })
}

function readStat(pid: number): Promise<ProcStatUsage | null> {
  return readProcText(`/proc/${pid}/stat`).then(parseProcStatUsage, () => null)
}

function listDir(path: string): Promise<string[]> {
  return new Promise((resolve) => readdir(path, (error, names) => resolve(error ? [] : names)))
}

async function childrenOf(stat: ProcStatUsage): Promise<number[]> {
  const tids = stat.numThreads === 1 ? [String(stat.pid)] : await listDir(`/proc/${stat.pid}/task`)
  const lists = await Promise.all(
    tids.map((tid) => readProcText(`/proc/${stat.pid}/task/${tid}/children`).catch(() => '')),
  )
  const children: number[] = []
  for (const list of lists) {
    for (const word of list.split(' ')) {
      const pid = Number(word)
      if (word !== '' && Number.isInteger(pid) && pid > 0) children.push(pid)
    }
  }
  return children
}

const isGone = (state: string): boolean => state === 'Z' || state === 'X'

/** Whether this kernel has /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN); asked once. */
let childrenFiles: Promise<boolean> | null = null
function hasChildrenFiles(): Promise<boolean> {
  childrenFiles ??= new Promise((resolve) => {
    access(`/proc/${process.pid}/task/${process.pid}/children`, (error) => resolve(!error))
  })
  return childrenFiles
}

interface LinuxConstants {
  ticksPerSecond: number
  pageSize: number
}

function getconf(name: string, fallback: number): Promise<number> {
  return new Promise((resolve) => {
    execFile('getconf', [name], { encoding: 'utf8', timeout: 5_000 }, (error, stdout) => {
      const value = Number(stdout.trim())
      resolve(!error && Number.isInteger(value) && value > 0 ? value : fallback)
    })
  })
}

let linuxConstants: Promise<LinuxConstants> | null = null
function constants(): Promise<LinuxConstants> {
  linuxConstants ??= Promise.all([getconf('CLK_TCK', 100), getconf('PAGESIZE', 4096)]).then(([ticksPerSecond, pageSize]) => ({
    ticksPerSecond,
    pageSize,
  }))
  return linuxConstants
}

/** The root's processes below it, through the children files; parents before children. */
async function walkChildren(root: ProcStatUsage): Promise<ProcStatUsage[]> {
  const found: ProcStatUsage[] = []
  const seen = new Set<number>([root.pid])
  const visit = async (parent: ProcStatUsage): Promise<void> => {
    // A zombie's children were already handed to a reaper.
    if (isGone(parent.state)) return
    const pids = (await childrenOf(parent)).filter((pid) => !seen.has(pid))
    for (const pid of pids) seen.add(pid)
    const stats = await Promise.all(pids.map(readStat))
    const live = stats.filter((stat): stat is ProcStatUsage => stat !== null)
    found.push(...live)
    await Promise.all(live.map(visit))
  }
  await visit(root)
  return found
}

async function scanBelow(root: ProcStatUsage): Promise<ProcStatUsage[]> {
  const pids = descendantsOf(await listProcesses(), root.pid)
  const stats = await Promise.all(pids.map(readStat))
  return stats.filter((stat): stat is ProcStatUsage => stat !== null)
}

// --- ps ------------------------------------------------------------------------------------------

const PS_COLUMNS = ['-o', 'pid=,ppid=,rss=,time=,etime=']
let psSumsChildren = true
let psInFlight: Promise<PsUsageRow[]> | null = null

function runPs(args: string[]): Promise<{ ok: boolean; stdout: string; error: Error | null }> {
  return new Promise((resolve) => {
    execFile('ps', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 10_000 }, (error, stdout) => {
      resolve({ ok: !error, stdout, error })
    })
  })
}

async function psTable(): Promise<PsUsageRow[]> {
  if (psSumsChildren) {
    const withSums = await runPs(['-A', '-S', ...PS_COLUMNS])
    if (withSums.ok) return parsePsUsage(withSums.stdout)
    psSumsChildren = false
  }
  const plain = await runPs(['-A', ...PS_COLUMNS])
  if (!plain.ok) throw new Error(`ps failed: ${plain.error?.message ?? 'unknown error'}`)
  return parsePsUsage(plain.stdout)
}

/** Trees sampled together (the monitor samples all runs on one tick) share one ps. */
function sharedPsTable(): Promise<PsUsageRow[]> {
  psInFlight ??= psTable().finally(() => {
    psInFlight = null
  })
  return psInFlight
}

// --- sampler -------------------------------------------------------------------------------------

interface Totals {
  pids: number[]
  cpuSeconds: number
  rssBytes: number
  /** CPU seconds divided by the root's age; null where the age is unknown. */
  averagePercent: number | null
}

/** A start estimate from ps's whole-second elapsed time may wobble by this much for the same process. */
const PS_START_TOLERANCE_MS = 2_500

export class ProcessTreeUsage {
  readonly mechanism: TreeUsageMechanism
  private rootStart: number | null = null
  private cpuSeconds = 0
  private lastClock: number | null = null
  private lastPercent = 0
  private inFlight: Promise<TreeUsage | null> | null = null

  constructor(
    readonly rootPid: number,
    options: ProcessTreeUsageOptions = {},
  ) {
    this.mechanism = options.mechanism ?? platformMechanism()
  }

  /**
   * The tree's usage now; null when the root is gone (exited, a zombie, or its pid now belongs to
   * another process) and always on Windows. Rejects only when the process listing itself fails.
   */
  sample(): Promise<TreeUsage | null> {
    this.inFlight ??= this.take().finally(() => {
      this.inFlight = null
    })
    return this.inFlight
  }

  private async take(): Promise<TreeUsage | null> {
    if (!Number.isInteger(this.rootPid) || this.rootPid <= 0) return null
    const totals =
      this.mechanism === 'ps' ? await this.fromPs() : this.mechanism === 'none' ? null : await this.fromProc()
    if (totals === null) return null
    const clock = performance.now()
    const cpuSeconds = Math.max(this.cpuSeconds, totals.cpuSeconds)
    let cpuPercent: number
    if (this.lastClock === null) cpuPercent = totals.averagePercent ?? 0
    else {
      const elapsed = (clock - this.lastClock) / 1000
      cpuPercent = elapsed > 0 ? ((cpuSeconds - this.cpuSeconds) / elapsed) * 100 : this.lastPercent
    }
    this.cpuSeconds = cpuSeconds
    this.lastClock = clock
    this.lastPercent = cpuPercent
    return { at: Date.now(), pids: totals.pids, cpuPercent, rssBytes: totals.rssBytes, cpuSeconds }
  }

  private async fromProc(): Promise<Totals | null> {
    const [root, { ticksPerSecond, pageSize }] = await Promise.all([readStat(this.rootPid), constants()])
    if (root === null || isGone(root.state)) return null
    if (this.rootStart === null) this.rootStart = root.startTicks
    else if (this.rootStart !== root.startTicks) return null
    const below = this.mechanism === 'proc-children' && (await hasChildrenFiles()) ? await walkChildren(root) : await scanBelow(root)
    let ticks = 0
    let rssPages = 0
    const pids: number[] = []
    for (const stat of [root, ...below]) {
      // A zombie is included: its final times are not yet in its parent's cutime.
      ticks += stat.utime + stat.stime + stat.cutime + stat.cstime
      if (isGone(stat.state)) continue
      rssPages += stat.rssPages
      pids.push(stat.pid)
    }
    const cpuSeconds = ticks / ticksPerSecond
    return {
      pids,
      cpuSeconds,
      rssBytes: rssPages * pageSize,
      averagePercent: this.lastClock === null ? await averageSinceStart(cpuSeconds, root.startTicks / ticksPerSecond) : null,
    }
  }

  private async fromPs(): Promise<Totals | null> {
    const table = await sharedPsTable()
    const root = table.find((row) => row.pid === this.rootPid)
    if (!root) return null
    if (root.elapsedSeconds !== null) {
      const start = Date.now() - root.elapsedSeconds * 1000
      if (this.rootStart === null) this.rootStart = start
      else if (Math.abs(start - this.rootStart) > PS_START_TOLERANCE_MS) return null
    }
    const byPid = new Map(table.map((row) => [row.pid, row]))
    const entries: ProcessEntry[] = table.map((row) => ({ pid: row.pid, ppid: row.ppid, pgid: null, state: null, startTime: null }))
    const rows = [root, ...descendantsOf(entries, this.rootPid).map((pid) => byPid.get(pid) as PsUsageRow)]
    let cpuSeconds = 0
    let rssKiB = 0
    for (const row of rows) {
      cpuSeconds += row.cpuSeconds
      rssKiB += row.rssKiB
    }
    return {
      pids: rows.map((row) => row.pid),
      cpuSeconds,
      rssBytes: rssKiB * 1024,
      averagePercent: root.elapsedSeconds !== null && root.elapsedSeconds > 0 ? (cpuSeconds / root.elapsedSeconds) * 100 : null,
    }
  }
}

async function averageSinceStart(cpuSeconds: number, startedAtUptime: number): Promise<number | null> {
  try {
    const uptime = Number((await readProcText('/proc/uptime')).split(' ')[0])
    const age = uptime - startedAtUptime
    return Number.isFinite(age) && age > 0 ? (cpuSeconds / age) * 100 : null
  } catch {
    return null
  }
}

// Finding a run's processes by the JOBDECK_RUN_ID each of them inherits: the one mark that
// survives `setsid`, double forks and a dead parent, which take a process out of its run's tree
// and group. Linux reads /proc/<pid>/environ (the environment a process was started with);
// other systems find none this way and rely on the tree and group (README → Guarantees).
import { readdirSync, readFileSync } from 'node:fs'
import { descendantsOf, isAlive, listProcessesSync, signalGroup, signalProcess } from './process-tree'

const isLinux = process.platform === 'linux'

/**
 * A run that lasted this long may have seen the pid counter wrap all the way round, so the
 * range of pids allocated since its start no longer tells which processes are new.
 */
const FULL_SCAN_AFTER_MS = 1_000

function numericEntries(): number[] {
  const pids: number[] = []
  for (const name of readdirSync('/proc')) {
    const code = name.charCodeAt(0)
    if (code >= 48 && code <= 57) pids.push(Number(name))
  }
  return pids
}

/** The last pid the kernel handed out in this pid namespace; null when it cannot be read. */
export function lastAllocatedPid(): number | null {
  if (!isLinux) return null
  try {
    const value = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'latin1').trim())
    return Number.isInteger(value) && value > 0 ? value : null
  } catch {
    return null
  }
}

/**
 * Pids are handed out in increasing order, wrapping at pid_max: every process created after
 * `since` was allocated has a pid in the circular range (since, last]. Threads do not appear in
 * readdir('/proc'), so only processes are listed.
 */
function pidsAllocatedAfter(since: number, last: number): number[] {
  if (last === since) return []
  const inRange = last > since ? (pid: number) => pid > since && pid <= last : (pid: number) => pid > since || pid <= last
  return numericEntries().filter(inRange)
}

function hasEnv(pid: number, wanted: ReadonlySet<string>): boolean {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1')
    let start = 0
    while (start < environ.length) {
      let end = environ.indexOf('\0', start)
      if (end === -1) end = environ.length
      if (wanted.has(environ.slice(start, end))) return true
      start = end + 1
    }
  } catch {
    // gone, or not ours to read
  }
  return false
}

/**
 * Linux: processes whose environment sets `name` to one of `values`, among `candidates` (default:
 * every process). Never this process. Elsewhere: none.
 */
export function findProcessesWithEnv(name: string, values: ReadonlySet<string>, candidates?: readonly number[]): number[] {
  if (!isLinux || values.size === 0) return []
  const wanted = new Set([...values].map((value) => `${name}=${value}`))
  let pids: readonly number[]
  try {
    pids = candidates ?? numericEntries()
  } catch {
    return []
  }
  return pids.filter((pid) => pid !== process.pid && hasEnv(pid, wanted))
}

/**
 * Where a run began: a pid allocated no later than its first process (the main process's own pid
 * will do: every other process of the run descends from it), and when.
 */
export interface RunOrigin {
  lastPid: number | null
  at: number
}

export function runOrigin(now = Date.now()): RunOrigin {
  return { lastPid: lastAllocatedPid(), at: now }
}

/**
 * The live processes of run `runId`. Cheap for a short run (the common case: every job end pays
 * for it): only pids allocated since the run started are looked at, usually none or a handful.
 */
export function findRunProcesses(runId: string, origin: RunOrigin, now = Date.now()): number[] {
  if (!isLinux) return []
  const values = new Set([runId])
  const last = lastAllocatedPid()
  if (origin.lastPid === null || last === null || now - origin.at >= FULL_SCAN_AFTER_MS) {
    return findProcessesWithEnv('JOBDECK_RUN_ID', values)
  }
  let candidates: number[]
  try {
    candidates = pidsAllocatedAfter(origin.lastPid, last)
  } catch {
    return findProcessesWithEnv('JOBDECK_RUN_ID', values)
  }
  return candidates.length === 0 ? [] : findProcessesWithEnv('JOBDECK_RUN_ID', values, candidates)
}

const SETTLE_POLL_MS = 5
const SETTLE_LIMIT_MS = 2_000

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * SIGKILLs every process that carries one of these run ids (with its tree and group), again and
 * again until none is left: a process listed before a kill may have forked meanwhile, and its
 * child carries the same mark. Waits until the killed ones are gone, so a job re-queued after
 * this call can never run beside them. Returns how many processes were stopped.
 */
export function killRunProcesses(runIds: ReadonlySet<string>): number {
  if (!isLinux || runIds.size === 0) return 0
  const stopped = new Set<number>()
  const deadline = Date.now() + SETTLE_LIMIT_MS
  for (;;) {
    const found = findProcessesWithEnv('JOBDECK_RUN_ID', runIds).filter((pid) => isAlive(pid))
    if (found.length === 0 || Date.now() > deadline) return stopped.size
    // Their descendants too (one listing for all): a child may have been started with a clean environment.
    const table = listProcessesSync()
    for (const pid of found) {
      for (const member of [pid, ...descendantsOf(table, pid)]) {
        if (signalProcess(member, 'SIGKILL')) stopped.add(member)
      }
      signalGroup(pid, 'SIGKILL')
    }
    sleepSync(SETTLE_POLL_MS)
  }
}

// The kill-point sweep: real `jobdeck run` processes killed with SIGKILL at random instants
// (the process alone, or its whole process group), restarted, and finally drained; then what an
// operator is promised is checked from the jobs' own marks, the database and /proc. Used by the
// reduced sweeps in the suite and by the full one in bench/.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import pg from 'pg'
import { findProcessesWithEnv } from '../process/run-processes'
import { seededRandom } from './seeded-random'

const BIN = fileURLToPath(new URL('../../../bin/jobdeck.mjs', import.meta.url))

/**
 * A job that marks its start, a heartbeat every 20 ms and its end with nanosecond timestamps:
 * an execution lasted at least from its start to its last mark, whatever stopped it.
 */
const MARK_SCRIPT = `#!/bin/sh
mark() { echo "$1 $JOBDECK_RUN_ID $JOBDECK_JOB_ID $2 $(date +%s%N)" >> "$SWEEP_MARKS"; }
mark start "$2"
n=$(( $1 / 20 ))
i=0
while [ $i -lt $n ]; do
  sleep 0.02
  mark beat "$2"
  i=$((i + 1))
done
mark end "$2"
`

export interface SweepOptions {
  jobs: number
  kills: number
  /** Shared mode: two runners on this database (a fresh one); else one local runner. */
  pgUrl?: string
  /** PRNG seed, printed with every failure so a run can be replayed. */
  seed?: number
  /** Each kill lands this long (uniform) after its runner started; default 150–1 500 ms. */
  killAfterMs?: [number, number]
  /**
   * How long each job runs (uniform). Default: long enough that the work lasts through the kills,
   * so that kills land on running jobs rather than on an idle queue.
   */
  jobMs?: [number, number]
}

const CONCURRENCY = 3

function defaultJobMs(options: SweepOptions, killAfter: [number, number]): [number, number] {
  const killPeriod = options.kills * ((killAfter[0] + killAfter[1]) / 2)
  const slots = CONCURRENCY * (options.pgUrl ? 2 : 1)
  const mean = Math.min(3_000, Math.max(50, (killPeriod * slots) / Math.max(1, options.jobs)))
  return [Math.round(mean * 0.2), Math.round(mean * 1.8)]
}

export interface Execution {
  runId: string
  jobId: string
  lane: string
  start: bigint
  last: bigint
  ended: boolean
}

export interface SweepReport {
  seed: number
  mode: 'local' | 'shared'
  jobs: number
  kills: number
  /** Executions that began (start marks). */
  executions: number
  /** Runs recorded, and of those `interrupted`. */
  runs: number
  interrupted: number
  /** Jobs not terminal, or missing, after the drain. */
  lost: string[]
  /** Jobs whose record is not exactly one final run (succeeded, or failed after an interruption). */
  notOnce: string[]
  /** Executions whose run id is not in the history. */
  unrecorded: string[]
  /** Two executions of one job at the same time. */
  sameJobOverlaps: Array<[string, string]>
  /** Two executions in one lane of limit 1 at the same time. */
  laneOverlaps: Array<[string, string]>
  /** `onInterrupt: fail` jobs that started more than once. */
  failTypeRestarts: string[]
  /** Job processes still alive after the drain. */
  alive: number[]
  /** PRAGMA integrity_check of every SQLite file. */
  integrity: string[]
  durationMs: number
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
}

const LANES = ['serial', 'l1', 'l2', 'l3']

export async function runKillSweep(options: SweepOptions): Promise<SweepReport> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31)
  const random = seededRandom(seed)
  const began = Date.now()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-sweep-'))
  const sweepId = `sweep-${process.pid}-${seed}`
  const marks = path.join(dir, 'marks.txt')
  const script = path.join(dir, 'mark.sh')
  fs.writeFileSync(script, MARK_SCRIPT)
  const configPath = path.join(dir, 'jobdeck.yaml')
  fs.writeFileSync(
    configPath,
    [
      `runner: { concurrency: ${CONCURRENCY}, interruptLimit: 100 }`,
      'jobs:',
      '  mark:',
      `    command: [sh, ${JSON.stringify(script)}, "{ms}", "{lane}"]`,
      '    params: { ms: { type: integer, required: true }, lane: { type: string, required: true } }',
      '    lane: "{lane}"',
      '    killGrace: 1s',
      '  once:',
      `    command: [sh, ${JSON.stringify(script)}, "{ms}", "{lane}"]`,
      '    params: { ms: { type: integer, required: true }, lane: { type: string, required: true } }',
      '    lane: "{lane}"',
      '    onInterrupt: fail',
      ...(options.pgUrl ? ['postgres:', '  lease: 2s'] : []),
      'monitor:',
      '  thresholds: { cpu: { warning: 99, critical: 100 }, memory: { warning: 99, critical: 100 }, disk: { warning: 99, critical: 100 } }',
      '',
    ].join('\n'),
  )
  const childEnv = { ...process.env, SWEEP_MARKS: marks, SWEEP_ID: sweepId }
  const dataDirs = options.pgUrl ? [path.join(dir, 'a'), path.join(dir, 'b')] : [path.join(dir, 'data')]
  const pgArgs = options.pgUrl ? ['--pg', options.pgUrl] : []
  const cli = (args: string[], dataDir = dataDirs[0] as string) =>
    spawnSync(process.execPath, [BIN, ...args, ...pgArgs, '--data-dir', dataDir, '--config', configPath], {
      env: childEnv,
      encoding: 'utf8',
      timeout: 300_000,
    })
  const startRunner = (dataDir: string, extra: string[] = []): ChildProcess =>
    spawn(process.execPath, [BIN, 'run', ...extra, ...pgArgs, '--data-dir', dataDir, '--config', configPath], {
      env: childEnv,
      stdio: 'ignore',
      // Its own group, so "kill the whole group" reaches the runner and nothing else.
      detached: true,
    })

  const killAfter = options.killAfterMs ?? [150, 1_500]
  const [shortest, longest] = options.jobMs ?? defaultJobMs(options, killAfter)
  // The jobs: most re-queued after an interruption, every fifth one must not run twice.
  const rows = Array.from({ length: options.jobs }, (_, i) => ({
    type: i % 5 === 4 ? 'once' : 'mark',
    ms: shortest + Math.floor(random() * (longest - shortest)),
    lane: LANES[Math.floor(random() * LANES.length)] as string,
  }))
  for (const type of ['mark', 'once']) {
    const file = path.join(dir, `${type}.jsonl`)
    fs.writeFileSync(file, rows.filter((r) => r.type === type).map((r) => JSON.stringify({ ms: r.ms, lane: r.lane })).join('\n'))
    const result = cli(['enqueue', type, '--bulk', file])
    if (result.status !== 0) throw new Error(`enqueue failed: ${result.stderr}`)
  }

  const [killLow, killHigh] = killAfter
  const running = new Map<string, ChildProcess>(dataDirs.map((d) => [d, startRunner(d)]))
  for (let k = 0; k < options.kills; k++) {
    const dataDir = dataDirs[Math.floor(random() * dataDirs.length)] as string
    const victim = running.get(dataDir) as ChildProcess
    await sleep(killLow + random() * (killHigh - killLow))
    if (random() < 0.5) process.kill(-(victim.pid as number), 'SIGKILL')
    else victim.kill('SIGKILL')
    await exited(victim)
    running.set(dataDir, startRunner(dataDir))
  }
  // Drain: the live runners finish what is left, then stop cleanly.
  for (const child of running.values()) {
    child.kill('SIGTERM')
    await exited(child)
  }
  const drains = dataDirs.map((d) => startRunner(d, ['--until-idle']))
  await Promise.all(drains.map(exited))
  await sleep(200)

  const report = await inspect({ seed, options, dir, marks, dataDirs, sweepId, began })
  fs.rmSync(dir, { recursive: true, force: true })
  return report
}

interface RecordedJob {
  id: string
  type: string
  status: string
}
interface RecordedRun {
  id: string
  job_id: string
  status: string
}

async function readRecords(options: SweepOptions, dataDir: string): Promise<{ jobs: RecordedJob[]; runs: RecordedRun[] }> {
  if (options.pgUrl) {
    const client = new pg.Client({ connectionString: options.pgUrl })
    await client.connect()
    try {
      const jobs = (await client.query<RecordedJob>('SELECT id, type, status FROM jobdeck.jobs')).rows
      const runs = (await client.query<RecordedRun>('SELECT id, job_id, status FROM jobdeck.runs')).rows
      return { jobs, runs }
    } finally {
      await client.end()
    }
  }
  const db = new Database(path.join(dataDir, 'jobdeck.sqlite'), { readonly: true })
  try {
    return {
      jobs: db.prepare('SELECT id, type, status FROM jobs').all() as RecordedJob[],
      runs: db.prepare('SELECT id, job_id, status FROM runs').all() as RecordedRun[],
    }
  } finally {
    db.close()
  }
}

/** Executions from the marks; a line cut short by a kill is ignored. */
export function parseMarks(text: string): Execution[] {
  const byRun = new Map<string, Execution>()
  for (const line of text.split('\n')) {
    const [kind, runId, jobId, lane, stamp] = line.split(' ')
    if (!kind || !runId || !jobId || !lane || !stamp || !/^\d{19}$/.test(stamp)) continue
    const at = BigInt(stamp)
    const execution = byRun.get(runId)
    if (kind === 'start' && !execution) byRun.set(runId, { runId, jobId, lane, start: at, last: at, ended: false })
    else if (execution && (kind === 'beat' || kind === 'end')) {
      if (at > execution.last) execution.last = at
      if (kind === 'end') execution.ended = true
    }
  }
  return [...byRun.values()]
}

/** Pairs of executions whose spans [start, last mark] intersect. */
export function overlapping(executions: readonly Execution[]): Array<[string, string]> {
  const sorted = [...executions].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
  const pairs: Array<[string, string]> = []
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i] as Execution
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j] as Execution
      if (b.start > a.last) break
      pairs.push([a.runId, b.runId])
    }
  }
  return pairs
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = groups.get(k)
    if (list) list.push(item)
    else groups.set(k, [item])
  }
  return groups
}

async function inspect(context: {
  seed: number
  options: SweepOptions
  dir: string
  marks: string
  dataDirs: string[]
  sweepId: string
  began: number
}): Promise<SweepReport> {
  const { options, dataDirs } = context
  const executions = parseMarks(fs.existsSync(context.marks) ? fs.readFileSync(context.marks, 'utf8') : '')
  const { jobs, runs } = await readRecords(options, dataDirs[0] as string)
  const terminal = new Set(['succeeded', 'partial', 'failed', 'canceled'])
  const runsByJob = groupBy(runs, (r) => r.job_id)
  const runIds = new Set(runs.map((r) => r.id))
  const notOnce = jobs
    .filter((job) => {
      const finals = (runsByJob.get(job.id) ?? []).filter((r) => r.status !== 'interrupted')
      // A job that must not run twice and was interrupted ends failed with no final run.
      if (job.type === 'once' && job.status === 'failed' && finals.length === 0) return false
      return finals.length !== 1 || finals[0]?.status !== job.status
    })
    .map((j) => j.id)
  const integrity = dataDirs.map((dataDir) => {
    const db = new Database(path.join(dataDir, 'jobdeck.sqlite'), { readonly: true })
    try {
      return String(db.pragma('integrity_check', { simple: true }))
    } finally {
      db.close()
    }
  })
  const onceJobs = new Set(jobs.filter((j) => j.type === 'once').map((j) => j.id))
  const starts = groupBy(executions, (e) => e.jobId)
  return {
    seed: context.seed,
    mode: options.pgUrl ? 'shared' : 'local',
    jobs: jobs.length,
    kills: options.kills,
    executions: executions.length,
    runs: runs.length,
    interrupted: runs.filter((r) => r.status === 'interrupted').length,
    lost: [
      ...jobs.filter((j) => !terminal.has(j.status)).map((j) => j.id),
      ...(jobs.length === options.jobs ? [] : [`${options.jobs - jobs.length} jobs missing`]),
    ],
    notOnce,
    unrecorded: executions.filter((e) => !runIds.has(e.runId)).map((e) => e.runId),
    sameJobOverlaps: [...groupBy(executions, (e) => e.jobId).values()].flatMap(overlapping),
    laneOverlaps: [...groupBy(executions, (e) => e.lane).values()].flatMap(overlapping),
    failTypeRestarts: [...starts].filter(([jobId, list]) => onceJobs.has(jobId) && list.length > 1).map(([jobId]) => jobId),
    alive: findProcessesWithEnv('SWEEP_ID', new Set([context.sweepId])),
    integrity,
    durationMs: Date.now() - context.began,
  }
}

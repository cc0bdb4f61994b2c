// Shared mode across real processes: `jobdeck run --pg` runners on one real PostgreSQL, kill -9
// of a runner, and a database outage through a TCP proxy cut in the middle of a run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { postgresRuntimeSchema } from '../../src-shared/config-schema'
import type { Run } from '../../src-shared/domain'
import { isAlive } from '../core/process/process-tree'
import { findProcessesWithEnv } from '../core/process/run-processes'
import { overlapping, parseMarks } from '../core/test-support/kill-sweep'
import { PgConnection } from '../core/store/postgres/pg-connection'
import { PgQueue } from '../core/store/postgres/pg-queue'
import { createTestDatabase, type TestDatabase } from '../core/test-support/postgres'
import { startTcpProxy, viaProxy, type TcpProxy } from '../core/test-support/tcp-proxy'
import { makeTestEnv, sleep, waitFor, type TestEnv } from '../core/test-support/test-env'
import { terminal } from '../core/model/transitions'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))

const MARK_SCRIPT = `const fs = require('node:fs'); const [tag, ms] = process.argv.slice(2);
console.log('start ' + tag + ' pid ' + process.pid);
setTimeout(() => { fs.appendFileSync(process.env.MARKS, tag + ' ' + process.env.JOBDECK_RUN_ID + '\\n'); console.log('done ' + tag) }, Number(ms))`

let db: TestDatabase
let env: TestEnv
let client: pg.Client
const children: ChildProcess[] = []

/** Start, a beat every 20 ms and end, with nanosecond stamps: how long an execution really lasted. */
const BEATS_SCRIPT = `#!/bin/sh
mark() { echo "$1 $JOBDECK_RUN_ID $JOBDECK_JOB_ID one $(date +%s%N)" >> "$MARKS"; }
mark start
i=0
while [ $i -lt "$1" ]; do sleep 0.02; mark beat; i=$((i + 1)); done
mark end
`

function setup(config: string): void {
  env = makeTestEnv(config)
  fs.writeFileSync(path.join(env.dir, 'scripts', 'mark.js'), MARK_SCRIPT)
  fs.writeFileSync(path.join(env.dir, 'scripts', 'beats.sh'), BEATS_SCRIPT)
}

function marksFile(name = 'marks.txt'): string {
  return path.join(env.dir, name)
}

function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, MARKS: marksFile(), MARKS_SEQ: marksFile('seq.txt'), MARKS_SPREAD: marksFile('spread.txt') }
}

function cli(args: string[], dataDir = path.join(env.dir, 'cli')): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir, '--config', env.configPath], {
    encoding: 'utf8',
    env: childEnv(),
    timeout: 60_000,
  })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

/** Without blocking this process: the TCP proxy lives in it. */
function cliAsync(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--data-dir', dataDir, '--config', env.configPath], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

function runner(name: string, url: string, extra: string[] = []): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [BIN, 'run', '--pg', url, ...extra, '--data-dir', path.join(env.dir, name), '--config', env.configPath], {
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  children.push(child)
  return Object.assign(child, { output: () => output })
}

function exited(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    const timer = setTimeout(() => reject(new Error(`runner ${child.pid} still running after ${ms} ms`)), ms)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}

async function pgRuns(where = 'TRUE', args: unknown[] = []): Promise<Array<{ id: string; job_id: string; status: string; lane: string; runner_id: string; started_at: number; finished_at: number | null }>> {
  const { rows } = await client.query(
    `SELECT id, job_id, status, lane, runner_id, started_at::float8 AS started_at, finished_at::float8 AS finished_at FROM jobdeck.runs WHERE ${where} ORDER BY started_at, id`,
    args,
  )
  return rows
}

async function pgWait<T>(probe: () => Promise<T | null | false | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(50)
  }
}

/** The first runner has made the schema. */
async function schemaReady(): Promise<void> {
  await pgWait(async () => (await client.query(`SELECT to_regclass('jobdeck.runs') AS t`)).rows[0]?.t, 20_000, 'the schema')
}

beforeAll(async () => {
  db = await createTestDatabase('jobdeck_cli')
  client = new pg.Client({ connectionString: db.url })
  await client.connect()
})

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  await client.query('DROP SCHEMA IF EXISTS jobdeck CASCADE')
  env?.cleanup()
})

afterAll(async () => {
  await client?.end()
  await db?.drop()
})

describe('shared mode across processes', () => {
  it('two runner processes on one database: 500 jobs in a limit-1 lane never overlap, 500 more spread over other lanes, every job terminal exactly once', async () => {
    setup(`
runner: { concurrency: 4 }
lanes:
  "spread:*": { limit: 1 }
postgres: { lease: 10s }
jobs:
  seq:
    command: [/bin/sh, -c, 'a=$(date +%s%N); sleep 0.002; echo "$a $(date +%s%N) $JOBDECK_JOB_ID" >> "$MARKS_SEQ"']
    lane: seq
  spread:
    command: [/bin/sh, -c, 'echo "$JOBDECK_JOB_ID" >> "$MARKS_SPREAD"']
    params:
      n: { type: integer, required: true }
    lane: "spread:{n}"
`)
    const seqRows = path.join(env.dir, 'seq.jsonl')
    const spreadRows = path.join(env.dir, 'spread.jsonl')
    fs.writeFileSync(seqRows, Array.from({ length: 500 }, () => '{}').join('\n'))
    fs.writeFileSync(spreadRows, Array.from({ length: 500 }, (_, i) => JSON.stringify({ n: i % 25 })).join('\n'))
    expect(cli(['enqueue', 'seq', '--bulk', seqRows, '--pg', db.url]).code).toBe(0)
    expect(cli(['enqueue', 'spread', '--bulk', spreadRows, '--pg', db.url]).code).toBe(0)

    const a = runner('a', db.url, ['--until-idle'])
    const b = runner('b', db.url, ['--until-idle'])
    const [codeA, codeB] = await Promise.all([exited(a, 150_000), exited(b, 150_000)])
    expect([codeA, codeB], `${a.output()}\n${b.output()}`).toEqual([0, 0])

    const runs = await pgRuns()
    expect(runs).toHaveLength(1000)
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true)
    expect(new Set(runs.map((r) => r.job_id)).size).toBe(1000)
    expect(new Set(runs.map((r) => r.runner_id)).size).toBe(2)
    const { rows: jobs } = await client.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM jobdeck.jobs GROUP BY status')
    expect(jobs).toEqual([{ status: 'succeeded', n: 1000 }])

    // The limit-1 lane, by the runners' records: each run ends before the next starts.
    const seq = runs.filter((r) => r.lane === 'seq')
    expect(seq).toHaveLength(500)
    for (let i = 1; i < seq.length; i++) expect(seq[i]!.started_at).toBeGreaterThanOrEqual(seq[i - 1]!.finished_at ?? Infinity)
    // And by the jobs' own clocks (nanoseconds, taken inside each process).
    const lines = fs.readFileSync(marksFile('seq.txt'), 'utf8').trim().split('\n').map((l) => l.split(' '))
    expect(lines).toHaveLength(500)
    expect(new Set(lines.map((l) => l[2])).size).toBe(500)
    const spans = lines.map(([start, end]) => [BigInt(start ?? '0'), BigInt(end ?? '0')] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1))
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0] >= spans[i - 1]![1]).toBe(true)
    const spread = fs.readFileSync(marksFile('spread.txt'), 'utf8').trim().split('\n')
    expect(spread).toHaveLength(500)
    expect(new Set(spread).size).toBe(500)
  }, 180_000)

  it('kill -9 of a runner mid-run: the lease expires, the run is rescued, the job completes once; the killed runner cannot finish the old run', async () => {
    setup(`
postgres: { lease: 4s }
jobs:
  mark:
    command: [node, scripts/mark.js, "{tag}", "{ms}"]
    params:
      tag: { type: string, required: true }
      ms: { type: integer, default: 3000 }
    lane: "{tag}"
`)
    const a = runner('a', db.url)
    await schemaReady()
    expect(cli(['enqueue', 'mark', '--param', 'tag=once', '--pg', db.url]).code).toBe(0)
    const first = await pgWait(async () => (await pgRuns(`status = 'running'`))[0], 20_000, 'the run to start on runner a')
    expect(first.runner_id).toContain(`:${a.pid}:`)
    const b = runner('b', db.url)
    await sleep(500)
    const jobPid = await pgWait(
      async () => (await client.query<{ pid: number | null }>('SELECT pid FROM jobdeck.runs WHERE id = $1', [first.id])).rows[0]?.pid,
      10_000,
      'the run to record its pid',
    )
    a.kill('SIGKILL')
    await exited(a, 5_000)
    // The runner restarts on the same data dir: it stops the job process its predecessor left.
    const a2 = runner('a', db.url)
    await waitFor(() => !isAlive(Number(jobPid)), 15_000, 'the orphaned job process to be stopped')

    const runs = await pgWait(
      async () => {
        const rows = await pgRuns('job_id = $1', [first.job_id])
        return rows.length === 2 && rows[1]?.status === 'succeeded' ? rows : null
      },
      30_000,
      'the rescued job to complete',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- a2:\n${a2.output()}\n--- b:\n${b.output()}`)
    })
    expect(runs[0]).toMatchObject({ id: first.id, status: 'interrupted' })
    expect(runs[1]?.runner_id).not.toBe(first.runner_id)
    const { rows } = await client.query('SELECT status, interruptions FROM jobdeck.jobs WHERE id = $1', [first.job_id])
    expect(rows[0]).toEqual({ status: 'succeeded', interruptions: 1 })
    await sleep(1_000)
    const marks = fs.readFileSync(marksFile(), 'utf8').trim().split('\n')
    expect(marks).toHaveLength(1)
    expect(marks[0]).toBe(`once ${runs[1]?.id}`)

    // The killed runner's result arriving late (from its outbox) is refused by the fence.
    const conn = new PgConnection({ config: postgresRuntimeSchema.parse({ url: db.url }), source: 'flag' })
    try {
      const late = await new PgQueue(conn).finish(
        {
          runId: first.id,
          runnerId: first.runner_id,
          now: Date.now(),
          outcome: 'succeeded',
          exitCode: 0,
          signal: null,
          error: null,
          progress: { percent: 100, current: null, total: null, message: null },
          itemsOk: null,
          itemsFailed: null,
          transition: terminal('succeeded', 0, Date.now(), null),
        },
      )
      expect(late).toBeNull()
    } finally {
      await conn.close()
    }
    expect((await pgRuns('id = $1', [first.id]))[0]?.status).toBe('interrupted')
    b.kill('SIGTERM')
    a2.kill('SIGTERM')
    await Promise.all([exited(b, 15_000), exited(a2, 15_000)])
  }, 120_000)

  it('a live peer on the same machine rescues a dead runner’s run only after stopping its processes: the two copies never overlap', async () => {
    setup(`
postgres: { lease: 2s }
jobs:
  long:
    command: [sh, scripts/beats.sh, "{beats}"]
    params: { beats: { type: integer, default: 400 } }
`)
    const a = runner('a', db.url)
    await schemaReady()
    const b = runner('b', db.url, [])
    expect(cli(['enqueue', 'long', '--pg', db.url]).code).toBe(0)
    const first = await pgWait(async () => (await pgRuns(`status = 'running'`))[0], 20_000, 'the run to start')
    // Runner a dies (alone: its job process lives on); it is not restarted. Runner b rescues the run.
    const killed = first.runner_id.includes(`:${a.pid}:`) ? a : b
    const peer = killed === a ? b : a
    killed.kill('SIGKILL')
    await exited(killed, 5_000)
    const second = await pgWait(
      async () => (await pgRuns(`status = 'running' AND id <> $1`, [first.id]))[0],
      30_000,
      'the rescued job to run again',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- peer:\n${peer.output()}`)
    })
    await sleep(500)
    const executions = parseMarks(fs.readFileSync(marksFile(), 'utf8'))
    expect(executions.map((e) => e.runId).sort()).toEqual([first.id, second.id].sort())
    expect(overlapping(executions)).toEqual([])
    expect(executions.find((e) => e.runId === first.id)?.ended).toBe(false)
    expect((await pgRuns('id = $1', [first.id]))[0]?.status).toBe('interrupted')
    peer.kill('SIGTERM')
    await exited(peer, 15_000)
  }, 120_000)

  it('a runner that cannot renew its lease kills its run before the lease runs out, so no rescuer anywhere starts it beside a live copy', async () => {
    setup(`
postgres: { lease: 3s }
jobs:
  long:
    command: [sh, scripts/beats.sh, "{beats}"]
    params: { beats: { type: integer, default: 1000 } }
`)
    const target = new URL(db.url)
    const proxy: TcpProxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    try {
      const r = runner('r', viaProxy(db.url, proxy.port))
      await schemaReady()
      expect(cli(['enqueue', 'long', '--pg', db.url]).code).toBe(0)
      const run = await pgWait(async () => (await pgRuns(`status = 'running'`))[0], 20_000, 'the run to start')
      await waitFor(() => fs.existsSync(marksFile()), 10_000, 'the job to start')
      proxy.cut()
      // By the database's clock: the moment the lease lapses, a rescuer on any machine may take the job.
      const lapsed = await pgWait(
        async () => {
          const { rows } = await client.query<{ lease: string; now: string }>(
            `SELECT lease_until::text AS lease, (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS now FROM jobdeck.runs WHERE id = $1`,
            [run.id],
          )
          const row = rows[0]
          return row && BigInt(row.now) > BigInt(row.lease) ? BigInt(row.lease) : null
        },
        20_000,
        'the lease to lapse',
      )
      // Already then, nothing of the run is alive, and its last mark is older than the lapse.
      expect(findProcessesWithEnv('JOBDECK_RUN_ID', new Set([run.id]))).toEqual([])
      const [execution] = parseMarks(fs.readFileSync(marksFile(), 'utf8'))
      expect(execution?.ended).toBe(false)
      expect((execution?.last ?? 0n) / 1_000_000n < lapsed).toBe(true)
      expect(r.output()).toMatch(/its lease could not be renewed .*killed its processes/)
      r.kill('SIGTERM')
      await exited(r, 15_000)
    } finally {
      await proxy.close()
    }
  }, 120_000)

  it('a database outage mid-run: the run completes, history serves the cache, and once the database is back the result is there exactly once', async () => {
    setup(`
jobs:
  mark:
    command: [node, scripts/mark.js, "{tag}", "{ms}"]
    params:
      tag: { type: string, required: true }
      ms: { type: integer, default: 2500 }
    lane: "{tag}"
`)
    const target = new URL(db.url)
    const proxy: TcpProxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    try {
      const proxied = viaProxy(db.url, proxy.port)
      const r = runner('r', proxied)
      await schemaReady()
      const enq = cli(['enqueue', 'mark', '--param', 'tag=outage', '--pg', db.url])
      expect(enq.code, enq.stderr).toBe(0)
      const jobId = enq.stdout.trim()
      const started = await pgWait(async () => (await pgRuns(`status = 'running'`))[0], 20_000, 'the run to start')

      proxy.cut()
      // The job finishes while the database is unreachable: the result goes to the outbox.
      await waitFor(() => fs.existsSync(marksFile()), 10_000, 'the job to finish')
      const offline = await pgWait(
        async () => {
          const h = cli(['history', '--json', '--offline'], path.join(env.dir, 'r'))
          const runs = JSON.parse(h.stdout || '[]') as Run[]
          return runs.find((run) => run.id === started.id && run.status === 'succeeded') ? runs : null
        },
        10_000,
        'the cache to show the finished run',
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- r:\n${r.output()}`)
      })
      expect(offline.map((run) => run.id)).toContain(started.id)
      // Not --offline, but the database is unreachable: the cache is served and the reader is told.
      const served = await cliAsync(['history', '--pg', proxied], path.join(env.dir, 'r'))
      expect(served.code).toBe(0)
      expect(served.stderr).toMatch(/offline: the shared database .* is unreachable/)
      expect(served.stdout).toContain(started.id)
      expect((await pgRuns('id = $1', [started.id]))[0]?.status).toBe('running')

      proxy.restore()
      await pgWait(async () => (await pgRuns('id = $1', [started.id]))[0]?.status === 'succeeded', 60_000, 'the outbox to reach the database')
      const runs = await pgRuns('job_id = $1', [jobId])
      expect(runs.map((run) => run.status)).toEqual(['succeeded'])
      const { rows } = await client.query('SELECT status FROM jobdeck.jobs WHERE id = $1', [jobId])
      expect(rows[0]?.status).toBe('succeeded')
      expect(fs.readFileSync(marksFile(), 'utf8').trim().split('\n')).toHaveLength(1)
      // The cache caught up too: the job itself is succeeded there, not only the run.
      let last = ''
      await pgWait(
        async () => {
          const s = await cliAsync(['status', '--json', '--pg', proxied], path.join(env.dir, 'r'))
          last = `${s.stderr}\n${s.stdout.slice(0, 3000)}`
          const status = JSON.parse(s.stdout || '{}') as { counts?: { succeeded: number }; connection?: { status: string; outboxPending: number } }
          return status.counts?.succeeded === 1 && status.connection?.status === 'online' && status.connection.outboxPending === 0
        },
        20_000,
        'the cache to be current',
      ).catch((error: Error) => {
        throw new Error(`${error.message}; last status: ${last}`)
      })
      r.kill('SIGTERM')
      await exited(r, 15_000)
    } finally {
      await proxy.close()
    }
  }, 120_000)

  it('refuses a database whose Jobdeck schema is newer than this build, saying so, and leaves it untouched', async () => {
    setup(`
jobs:
  mark:
    command: [node, scripts/mark.js, "{tag}", "{ms}"]
    params:
      tag: { type: string, required: true }
      ms: { type: integer, default: 10 }
`)
    expect(cli(['status', '--pg', db.url]).code).toBe(0)
    await client.query(`INSERT INTO jobdeck.schema_version (version, name) VALUES (999, 'from a newer Jobdeck')`)
    const status = cli(['status', '--pg', db.url])
    expect(status.code).toBe(1)
    expect(status.stderr).toMatch(/Jobdeck schema version 999, newer than this Jobdeck understands/)
    const run = cli(['run', '--until-idle', '--pg', db.url])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/upgrade this Jobdeck/)
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM jobdeck.runners')
    expect(rows[0]?.n).toBe(0)
  }, 60_000)
})

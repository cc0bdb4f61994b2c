// Every API method, fuzzed through the real dispatch over a real core (local mode, a real SQLite
// data dir): whatever a transport hands in, the answer is a bounded `{ok:false}` naming the method
// (never `internal`), nothing is prototype-polluted, and each method still works afterwards. The
// methods come from apiInputs, so a new one is fuzzed without editing this file.
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiInputs, type ApiInput, type ApiMethod, type JobdeckApi } from '../../../src-shared/api'
import { API_METHODS } from '../../../src-shared/bridge'
import { PRIORITIES, RUN_STATUSES } from '../../../src-shared/domain'
import type { CallResult } from '../../../src-shared/wire'
import type { Core } from '../core'
import { ScriptedSampler } from '../test-support/host-samples'
import type { ExecutorFactory } from '../runner/runner'
import { makeTestEnv, waitFor, type TestEnv } from '../test-support/test-env'
import { createTestDatabase, type TestDatabase } from '../test-support/postgres'
import { createSeedTable, insertBackgroundJobs, sourceBlock } from '../test-support/source-tables'
import { dispatch } from './dispatch'
import { DESKTOP as OWNER } from '../access/callers'

const CONFIG = `
jobs:
  nap:
    command: [node, -e, ""]
    params:
      n: { type: integer, min: 0, max: 10 }
      tag: { type: string, pattern: "[a-z]+" }
      day: { type: date }
    lane: "lane-{tag}"
schedules:
  hourly:
    job: nap
    params: { n: 2 }
    every: 1h
alerts:
  channels:
    ops: { desktop: true }
`

/** Runs finish at once: the fuzz is about the API, and a real process per job would only cost time. */
const instant: ExecutorFactory = () => ({
  async execute(ctx) {
    ctx.onStarted(null)
    return { outcome: 'succeeded', exitCode: 0, signal: null, error: null, timedOut: false, itemsOk: null, itemsFailed: null }
  },
})

/** An error reply stays this small whatever was sent (a 1 MB key included). */
const MAX_ERROR_REPLY = 16 * 1024
/** JOBDECK_FUZZ_RUNS=5000 fuzzes harder (a hunt, not the suite). */
const RUNS_PER_METHOD = Number(process.env.JOBDECK_FUZZ_RUNS ?? 120)

let env: TestEnv
let core: Core
/** The `legacy` source's table: a background_jobs with row 1 running (markFailed is enabled). */
let sourceDb: TestDatabase

/** Every own property of the prototypes an input could pollute, with its value or accessor. */
const snapshot = (): Array<[string, unknown]> =>
  [Object.prototype, Array.prototype, Function.prototype].flatMap((proto) =>
    Reflect.ownKeys(proto).map((name): [string, unknown] => {
      const d = Object.getOwnPropertyDescriptor(proto, name)
      return [String(name), d && 'value' in d ? d.value : d?.get]
    }),
  )
const prototypesBefore = snapshot()

beforeAll(async () => {
  sourceDb = await createTestDatabase('jobdeck_fuzz_source')
  const pool = new pg.Pool({ connectionString: sourceDb.url })
  try {
    await createSeedTable(pool, 'background_jobs')
    await insertBackgroundJobs(pool, [{ job_type: 'report', status: 'running', started_at: new Date() }])
  } finally {
    await pool.end()
  }
  env = makeTestEnv(`${CONFIG}${sourceBlock('preset: background_jobs\npoll: 1h\nactions: { markFailed: true }', sourceDb.url)}`)
  core = env.open({ executorFor: instant, hostSampler: new ScriptedSampler(), synchronous: 'NORMAL' })
  core.startRunner()
  // Something for the fuzzed calls to find: a finished job and its run.
  const job = await core.api['jobs.enqueue']({ type: 'nap', params: { n: 1 } })
  await waitFor(() => core.store.getJob(job.id).status === 'succeeded', 20_000, 'the first job')
})

afterAll(async () => {
  await core.close()
  env.cleanup()
  await sourceDb.drop()
})

// --- what a transport may hand in -----------------------------------------------------------------

const BIG = 'k'.repeat(1024 * 1024)
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']

/**
 * PostgreSQL URLs whose parts are odd (bad percent-encoding, a lone surrogate, file options) but
 * whose server is 127.0.0.1:1, where nothing listens: a test never waits on DNS or a timeout.
 */
const pgUrl = fc
  .tuple(
    fc.constantFrom('postgres', 'postgresql'),
    fc.constantFrom('', 'jd@', 'jd:pw@', 'u:%zz@', '%zz@', 'u:%@', '\uD800@', 'a:b:c@'),
    fc.constantFrom('127.0.0.1:1', '[::1]:1', '127.0.0.1:99999', '', '%zz'),
    fc.constantFrom('/x', '/%zz', '/\uDFFF', '', '/x?sslmode=bogus', '/x?sslcert=/nonexistent', '/x?sslrootcert=/nonexistent&ssl=1', '/x?host=/nonexistent'),
  )
  .map(([scheme, user, host, rest]) => `${scheme}://${user}${host}${rest}`)

const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom('%zz', '%', '\uD800', 'a\uDFFFb', '\uFFFF') },
  { weight: 3, arbitrary: fc.constantFrom('nap', '', ' ', 'x', 'normal', 'failed', '24h', '2026-01-01', '2026-02-30', '2026-01-01T00:00:00Z', '01ARZ3NDEKTSV4RRFFQ69G5FAV', '..', '\u0000', '\x1b[31m', 'postgres://jd:pw@127.0.0.1:1/x', 'mysql://x', ...PROTO_KEYS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant(BIG) },
)
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53, 8.64e15, 8.64e15 + 1, -8.64e15 - 1, 100_000, 100_001, 1_000_001, NaN, Infinity, -Infinity),
)
const scalar = fc.oneof(text, number, fc.boolean(), fc.constant(null), fc.constant(undefined))
const key = fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) }, { weight: 1, arbitrary: fc.constant(BIG) })

/** A record whose keys may be `__proto__` and friends, as own properties (as JSON.parse makes them). */
function record<T>(values: fc.Arbitrary<T>, maxKeys = 4): fc.Arbitrary<Record<string, T>> {
  return fc.array(fc.tuple(key, values), { maxLength: maxKeys }).map((pairs) => {
    const out: Record<string, T> = {}
    for (const [k, v] of pairs) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
    return out
  })
}

const { anything } = fc.letrec<{ anything: unknown }>((tie) => ({
  anything: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('anything'), { maxLength: 4 }), record(tie('anything'))),
}))

const params = fc.oneof(
  record(fc.oneof(scalar, anything)),
  fc.record({ n: fc.oneof(number, text), tag: text, day: text }, { requiredKeys: [] }),
)
const instant_ = fc.oneof(number, text, fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms).toISOString()))

/** Plausible values for fields of these names, mixed with anything at all. */
const FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  type: fc.constantFrom('nap', 'none', ''),
  params,
  rows: fc.oneof(fc.array(params, { maxLength: 5 }), fc.constant(Array.from({ length: 100_001 }, () => ({})))),
  priority: fc.constantFrom(...PRIORITIES, 'whenever'),
  status: fc.constantFrom(...RUN_STATUSES, 'great'),
  since: instant_,
  until: instant_,
  before: fc.oneof(instant_, fc.record({ startedAt: instant_, id: text }, { requiredKeys: [] })),
  limit: number,
  url: fc.oneof(text, { weight: 2, arbitrary: pgUrl }, fc.constant(null)),
  allowInsecure: fc.boolean(),
  draining: fc.boolean(),
  password: fc.oneof(text, fc.constantFrom('\uD800', 'pw', '')),
}

function fieldValue(name: string): fc.Arbitrary<unknown> {
  const plausible = FIELDS[name]
  return plausible === undefined ? anything : fc.oneof(plausible, anything)
}

/** Args for `method`: its own fields (any may be missing or wrong), extra keys, or not an object at all. */
function argsFor(method: ApiMethod): fc.Arbitrary<unknown> {
  const fields = Object.keys(apiInputs[method].shape)
  const shaped = fc.record(Object.fromEntries(fields.map((f) => [f, fieldValue(f)])), { requiredKeys: [] })
  const extra = fc.tuple(shaped, record(anything, 2)).map(([own, more]) => ({ ...more, ...own }))
  return fc.oneof({ weight: 5, arbitrary: shaped }, { weight: 2, arbitrary: extra }, { weight: 1, arbitrary: anything })
}

/** What crosses a JSON transport (the server's WebSocket): undefined, NaN and Infinity do not. */
const overJson = (value: unknown): unknown => (value === undefined ? undefined : (JSON.parse(JSON.stringify(value) ?? 'null') as unknown))

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** An own `__proto__` key anywhere: no field or param has that name (zod's records drop it silently). */
function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return true
  return Object.values(value).some(hasProtoKey)
}

function checkReply(method: ApiMethod, args: unknown, reply: CallResult): void {
  const malformed = !apiInputs[method].safeParse(args ?? {}).success || hasProtoKey(args)
  if (malformed) expect(reply.ok, `${method} took malformed input`).toBe(false)
  if (reply.ok) return
  const shown = JSON.stringify(reply)
  expect(reply.error.code, `${method}: ${reply.error.message}`).not.toBe('internal')
  expect(reply.error.message).toMatch(new RegExp(`^${escape(method)}[: ]`))
  expect(shown.length, `${method}: a reply of ${shown.length} chars`).toBeLessThan(MAX_ERROR_REPLY)
}

describe('API fuzz through the real dispatch', () => {
  it.each(API_METHODS)('%s: malformed input is a bounded refusal naming the method, never internal', async (method) => {
    await fc.assert(
      fc.asyncProperty(argsFor(method), fc.boolean(), async (raw, json) => {
        const args = json ? overJson(raw) : raw
        checkReply(method, args, await dispatch({ api: core.api, audit: null }, method, args, OWNER))
      }),
      { numRuns: RUNS_PER_METHOD },
    )
  }, 120_000)

  it('a 1 MB key, type, id or param name gets a small refusal from every method', async () => {
    const big = 'k'.repeat(1024 * 1024)
    for (const method of API_METHODS) {
      const fields = Object.keys(apiInputs[method].shape)
      const cases: unknown[] = [{ [big]: 1 }, ...fields.map((f) => ({ [f]: big })), ...fields.map((f) => ({ [f]: { [big]: big } }))]
      for (const args of cases) checkReply(method, args, await dispatch({ api: core.api, audit: null }, method, args, OWNER))
    }
  }, 120_000)

  it('pollutes no prototype', () => {
    expect(snapshot()).toEqual(prototypesBefore)
    expect(Reflect.get({}, 'polluted')).toBeUndefined()
  })

  it('a valid call of every method succeeds afterwards', async () => {
    const api = core.api
    // The fuzz may have cleared the history and paused or drained the runner: one run to find.
    await api['runner.resume']({})
    await api['runner.drain']({ draining: false })
    const done = await api['jobs.enqueue']({ type: 'nap', params: {} })
    await waitFor(() => core.store.getJob(done.id).status === 'succeeded', 20_000, 'a finished job')
    const finished = core.store.findRun(core.store.getJob(done.id).lastRunId ?? '')
    if (!finished) throw new Error('no finished run')
    /** Waiting jobs stay waiting: the runner is paused before each call but runner.resume's own. */
    const waiting = async (): Promise<string> => (await api['jobs.enqueue']({ type: 'nap', params: {} })).id
    const VALID: { [M in ApiMethod]: (api: JobdeckApi) => Promise<ApiInput<M>> } = {
      'jobs.enqueue': async () => ({ type: 'nap', params: { n: 3, tag: 'abc', day: '2026-01-31' }, priority: 'high' }),
      'jobs.enqueueBulk': async () => ({ type: 'nap', rows: [{ n: 1 }, { n: '2' }] }),
      'jobs.cancel': async () => ({ id: await waiting() }),
      'jobs.restore': async (api) => {
        const id = await waiting()
        await api['jobs.cancel']({ id })
        return { id }
      },
      'jobs.get': async () => ({ id: await waiting() }),
      'jobs.list': async () => ({ status: 'succeeded', since: Date.now() - 86_400_000, limit: 10 }),
      'jobs.retry': async () => ({ id: finished.jobId }),
      'jobs.setPriority': async () => ({ id: await waiting(), priority: 'urgent' }),
      'jobs.clear': async () => ({ before: '2000-01-01' }),
      'runner.pause': async () => ({}),
      'runner.resume': async () => ({}),
      'runner.drain': async () => ({ draining: false }),
      'runner.status': async () => ({}),
      'runs.list': async () => ({ type: 'nap', since: Date.now() - 86_400_000, limit: 10 }),
      'runs.count': async () => ({ type: 'nap', search: 'nap' }),
      'runs.export': async () => ({ type: 'nap' }),
      'stats.byType': async () => ({}),
      'timeline.range': async () => ({ since: Date.now() - 3_600_000, until: Date.now(), bucketMs: 1000 }),
      'timeline.extent': async () => ({ since: Date.now() - 86_400_000 }),
      'runs.get': async () => ({ id: finished.id }),
      'runs.log': async () => ({ id: finished.id, tail: 10 }),
      'runs.usage': async () => ({ id: finished.id }),
      'monitor.latest': async () => ({}),
      'monitor.range': async () => ({ since: Date.now() - 60_000 }),
      'config.get': async () => ({}),
      'config.reload': async () => ({}),
      'connection.get': async () => ({}),
      'connection.test': async () => ({ url: 'postgres://jd@127.0.0.1:1/nowhere' }),
      'connection.save': async () => ({ url: null }),
      'schedules.list': async () => ({ fires: 3 }),
      'schedules.pause': async () => ({ name: 'hourly', until: Date.now() + 60_000 }),
      'schedules.resume': async () => ({ name: 'hourly' }),
      'schedules.runNow': async () => ({ name: 'hourly' }),
      'schedules.fires': async () => ({ schedule: 'hourly', since: Date.now() - 60_000, limit: 5 }),
      'schedules.preview': async () => ({ cron: '0 2 * * *', timezone: 'Europe/Berlin', count: 3 }),
      'schedules.forecast': async () => ({ since: Date.now(), until: Date.now() + 86_400_000 }),
      'sources.list': async () => ({}),
      'sources.sync': async () => ({}),
      'sources.queue': async () => ({}),
      'sources.test': async () => ({ name: 'legacy' }),
      'sources.markFailed': async (api) => {
        await api['sources.sync']({ name: 'legacy' })
        return { id: 'legacy:1' }
      },
      'overlaps.list': async () => ({ since: Date.now() - 86_400_000 }),
      'jobs.startNow': async () => ({ id: await waiting() }),
      'alerts.list': async () => ({}),
      'alerts.test': async () => ({ channel: 'ops' }),
      'alerts.snooze': async () => ({ type: 'nap', until: Date.now() + 60_000 }),
      'retention.status': async () => ({}),
      'retention.run': async () => ({}),
      'session.get': async () => ({}),
      'tokens.list': async () => ({}),
      'tokens.create': async () => ({ name: 'fuzz-bot', role: 'viewer', expires: '1d' }),
      'tokens.revoke': async (api) => {
        await api['tokens.create']({ name: 'fuzz-gone', role: 'operator' })
        return { name: 'fuzz-gone' }
      },
      'audit.list': async () => ({ since: Date.now() - 60_000, who: 'desktop', limit: 5 }),
    }
    for (const method of API_METHODS) {
      if (method !== 'runner.resume') await api['runner.pause']({})
      const args = await (VALID[method] as (api: JobdeckApi) => Promise<unknown>)(api)
      const reply = await dispatch({ api: api, audit: null }, method, args, OWNER)
      expect(reply, `${method} ${JSON.stringify(args)}`).toMatchObject({ ok: true })
    }
  })
})

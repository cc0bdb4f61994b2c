// The audit log on a real core, through dispatch as every transport calls it: each call that
// changes something leaves exactly one record naming who made it, a refused one too, reads leave
// none, a schedule's fire is recorded as the schedule, and no secret reaches the data file.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditRecord, Caller } from '../../../src-shared/access'
import type { ApiMethod } from '../../../src-shared/api'
import { dispatch } from './dispatch'
import { makeTestEnv, sleep, type TestEnv } from '../test-support/test-env'
import type { Core } from '../core'
import { cliCaller, DESKTOP } from '../access/callers'

const CONFIG = `
jobs:
  greet:
    command: [node, -e, "1"]
  deploy:
    command: [node, -e, "1", "{token}"]
    params:
      token: { type: string, secret: true, required: true }
      env: { type: string, default: staging }
`

let env: TestEnv | undefined
afterEach(() => env?.cleanup())

const OPS_BOT: Caller = { who: 'ops-bot', role: 'operator' }
const DASH: Caller = { who: 'dash', role: 'viewer' }

async function call(core: Core, method: ApiMethod, args: unknown, caller: Caller): Promise<{ ok: boolean; value?: unknown }> {
  return dispatch(core, method, args, caller)
}

async function records(core: Core, filter: Record<string, unknown> = {}): Promise<AuditRecord[]> {
  const result = await dispatch(core, 'audit.list', { limit: 10_000, ...filter }, DESKTOP)
  if (!result.ok) throw new Error(result.error.message)
  return result.value as AuditRecord[]
}

describe('the audit log', () => {
  it('records each call that changes something exactly once, with who made it; reads leave nothing', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const cli = cliCaller('ana', 'box')

    const one = (await call(core, 'jobs.enqueue', { type: 'greet', params: {}, priority: 'high' }, OPS_BOT)).value as { id: string }
    await call(core, 'jobs.get', { id: one.id }, OPS_BOT)
    await call(core, 'runner.status', {}, DASH)
    const bulk = (await call(core, 'jobs.enqueueBulk', { type: 'greet', rows: Array.from({ length: 25 }, () => ({})) }, cli)).value as Array<{ id: string }>
    await call(core, 'jobs.setPriority', { id: one.id, priority: 'urgent' }, DESKTOP)
    await call(core, 'jobs.cancel', { id: one.id }, DESKTOP)
    await call(core, 'runner.pause', {}, cli)
    await call(core, 'alerts.snooze', { type: 'greet', until: Date.now() + 60_000 }, OPS_BOT)

    const list = await records(core)
    expect(list.map((r) => [r.who, r.role, r.method, r.outcome])).toEqual([
      ['ops-bot', 'operator', 'alerts.snooze', 'ok'],
      ['cli:ana@box', 'admin', 'runner.pause', 'ok'],
      ['desktop', 'admin', 'jobs.cancel', 'ok'],
      ['desktop', 'admin', 'jobs.setPriority', 'ok'],
      ['cli:ana@box', 'admin', 'jobs.enqueueBulk', 'ok'],
      ['ops-bot', 'operator', 'jobs.enqueue', 'ok'],
    ])
    const [snooze, pause, cancel, priority, bulkRecord, enqueue] = list
    expect(enqueue).toMatchObject({ targets: [one.id], targetCount: 1, summary: 'type=greet params={} priority=high', message: null })
    // A bulk keeps its first 20 job ids and says how many there were.
    expect(bulkRecord?.targets).toEqual(bulk.slice(0, 20).map((job) => job.id))
    expect(bulkRecord).toMatchObject({ targetCount: 25, summary: 'type=greet rows=25 rows' })
    expect(priority).toMatchObject({ targets: [one.id], summary: `id=${one.id} priority=urgent` })
    expect(cancel?.targets).toEqual([one.id])
    expect(pause).toMatchObject({ targets: [], targetCount: 0, summary: '' })
    expect(snooze?.targets).toEqual(['greet'])
    // The records are in time order, whatever their ids.
    const times = list.map((r) => Date.parse(r.at))
    expect([...times].sort((a, b) => b - a)).toEqual(times)
  })

  it('records a refused change with outcome forbidden, and a failed one with its error', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const job = await core.api['jobs.enqueue']({ type: 'greet', params: {} })
    expect(await call(core, 'jobs.cancel', { id: job.id }, DASH)).toMatchObject({ ok: false })
    expect(await call(core, 'retention.run', {}, OPS_BOT)).toMatchObject({ ok: false })
    expect(await call(core, 'jobs.cancel', { id: 'no-such-job' }, OPS_BOT)).toMatchObject({ ok: false })
    expect(core.store.getJob(job.id).status).toBe('queued')

    const list = await records(core)
    expect(list.map((r) => [r.who, r.method, r.outcome])).toEqual([
      ['ops-bot', 'jobs.cancel', 'not_found'],
      ['ops-bot', 'retention.run', 'forbidden'],
      ['dash', 'jobs.cancel', 'forbidden'],
    ])
    expect(list[2]).toMatchObject({ role: 'viewer', targets: [job.id], message: 'jobs.cancel: needs the operator role; "dash" has viewer' })
    expect(list[0]?.message).toMatch(/no-such-job/)
  })

  it('writes a local change\'s record in the change\'s own commit, and a change refused inside its transaction once, with its error', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    // The method alone, with a caller but no dispatch to complete the record: its commit carried it.
    const job = await core.api['jobs.enqueue']({ type: 'greet', params: {} }, OPS_BOT)
    const rows = core.store.db.prepare(`SELECT who, method, outcome, summary FROM audit_log`).all()
    expect(rows).toEqual([{ who: 'ops-bot', method: 'jobs.enqueue', outcome: 'ok', summary: 'type=greet params={}' }])
    core.store.db.prepare(`DELETE FROM audit_log`).run()

    expect(await call(core, 'jobs.cancel', { id: job.id }, OPS_BOT)).toMatchObject({ ok: true })
    // Refused inside the store's transaction: rolled back, nothing appended; recorded once with the conflict.
    expect(await call(core, 'jobs.cancel', { id: job.id }, OPS_BOT)).toMatchObject({ ok: false, error: { code: 'conflict' } })
    const list = await records(core)
    expect(list.map((r) => [r.method, r.outcome, r.targets])).toEqual([
      ['jobs.cancel', 'conflict', [job.id]],
      ['jobs.cancel', 'ok', [job.id]],
    ])
    expect(list[0]?.message).toMatch(/already canceled/)
  })

  it('filters by caller, method and time, newest first, in keyset pages', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    for (let i = 0; i < 5; i++) await call(core, 'jobs.enqueue', { type: 'greet', params: {} }, i % 2 === 0 ? OPS_BOT : DESKTOP)
    await call(core, 'runner.pause', {}, DESKTOP)

    expect((await records(core, { who: 'ops-bot' })).map((r) => r.who)).toEqual(['ops-bot', 'ops-bot', 'ops-bot'])
    expect((await records(core, { method: 'runner.pause' })).map((r) => r.method)).toEqual(['runner.pause'])
    expect(await records(core, { since: Date.now() + 60_000 })).toEqual([])
    expect(await records(core, { until: 0 })).toEqual([])

    const all = await records(core)
    const pages: AuditRecord[] = []
    let before: { at: string; id: string } | undefined
    for (;;) {
      const page = await records(core, { limit: 2, ...(before ? { before } : {}) })
      if (page.length === 0) break
      pages.push(...page)
      const last = page[page.length - 1] as AuditRecord
      before = { at: last.at, id: last.id }
    }
    expect(pages.map((r) => r.id)).toEqual(all.map((r) => r.id))
    expect(all).toHaveLength(6)
  })

  it('never keeps a secret param, a password or a URL credential in the data file', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    await call(core, 'jobs.enqueue', { type: 'deploy', params: { token: 'tok-hunter2', env: 'prod' } }, OPS_BOT)
    await call(core, 'jobs.enqueueBulk', { type: 'deploy', rows: [{ token: 'tok-bulk-hunter3' }] }, OPS_BOT)
    // Refused before parsing (a viewer): the raw input is summarized all the same.
    await call(core, 'jobs.enqueue', { type: 'deploy', params: { token: 'tok-viewer-hunter4' } }, DASH)
    // A type the config does not know: every param value is masked.
    await call(core, 'jobs.enqueue', { type: 'gone', params: { key: 'tok-unknown-hunter5' } }, OPS_BOT)
    await call(core, 'connection.save', { url: 'postgres://queue:pw-hunter6@db.example:5432/jobdeck', password: 'pw-hunter7' }, DESKTOP)

    const list = await records(core)
    expect(list.map((r) => r.method)).toEqual(['connection.save', 'jobs.enqueue', 'jobs.enqueue', 'jobs.enqueueBulk', 'jobs.enqueue'])
    expect(list[4]?.summary).toBe('type=deploy params={token=••••, env=prod}')
    expect(list[0]?.summary).toBe('url=postgres://queue:••••@db.example:5432/jobdeck password=•••• allowInsecure=false')
    expect(list[1]?.summary).toBe('type=gone params={key=••••}')

    const secrets = ['tok-hunter2', 'tok-bulk-hunter3', 'tok-viewer-hunter4', 'tok-unknown-hunter5', 'pw-hunter6', 'pw-hunter7']
    expect(JSON.stringify(list)).not.toMatch(/hunter/)
    await core.close()
    const files = fs.readdirSync(env.dataDir).filter((f) => f.startsWith('jobdeck.sqlite')).map((f) => path.join(env!.dataDir, f))
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) {
      const bytes = fs.readFileSync(file)
      for (const secret of secrets) expect(bytes.includes(secret), `${secret} in ${path.basename(file)}`).toBe(false)
    }
  })

  it('records a schedule\'s fire as the schedule, with the job it enqueued', async () => {
    env = makeTestEnv(`${CONFIG}
schedules:
  every-second:
    job: greet
    every: 1s
`)
    const core = env.open()
    core.startRunner()
    let record: AuditRecord | undefined
    for (const deadline = Date.now() + 10_000; !record && Date.now() < deadline; await sleep(50)) {
      record = (await records(core, { who: 'schedule:every-second', limit: 1 }))[0]
    }
    if (!record) throw new Error('no fire recorded in 10 s')
    expect(record).toMatchObject({ who: 'schedule:every-second', role: 'operator', method: 'schedules.fire', outcome: 'ok', targetCount: 1 })
    expect(core.store.getJob(record.targets[0] as string).schedule).toBe('every-second')
    expect(record.summary).toMatch(/^schedule=every-second scheduledFor=\d{4}-/)
  })
})

// dispatch checks the caller's role against the method's declared one (apiAccess) for every
// transport, and hands each call that changes something, allowed or refused, to the audit log once.
import { afterEach, describe, expect, it } from 'vitest'
import { apiAccess, apiInputs, type ApiMethod } from '../../../src-shared/api'
import { ROLES, type Caller } from '../../../src-shared/access'
import type { AuditedCall } from '../access/audit-sink'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'
import { dispatch } from './dispatch'

const CONFIG = `
jobs:
  greet:
    command: [node, -e, "1"]
`

let env: TestEnv
afterEach(() => env?.cleanup())

const viewer: Caller = { who: 'dash', role: 'viewer' }
const operator: Caller = { who: 'ops-bot', role: 'operator' }

describe('dispatch and roles', () => {
  it('declares a role for every method, and no method a viewer may call changes anything', () => {
    expect(Object.keys(apiAccess).sort()).toEqual(Object.keys(apiInputs).sort())
    for (const [method, access] of Object.entries(apiAccess)) {
      expect(ROLES, method).toContain(access.role)
      if (access.role === 'viewer') expect(access.changes, `${method} is a viewer's yet changes something`).toBe(false)
    }
  })

  it('refuses a viewer a change with forbidden, records the attempt once, and lets it read', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const audited: AuditedCall[] = []
    const target = { api: core.api, audit: { record: (call: AuditedCall) => void audited.push(call) } }
    const job = await core.api['jobs.enqueue']({ type: 'greet', params: {} })

    const refused = await dispatch(target, 'jobs.cancel', { id: job.id }, viewer)
    expect(refused).toEqual({ ok: false, error: { code: 'forbidden', message: 'jobs.cancel: needs the operator role; "dash" has viewer' } })
    expect(core.store.getJob(job.id).status).toBe('queued')
    expect(audited).toMatchObject([{ caller: viewer, method: 'jobs.cancel', args: { id: job.id }, result: { ok: false, error: { code: 'forbidden' } } }])

    const read = await dispatch(target, 'jobs.get', { id: job.id }, viewer)
    expect(read.ok).toBe(true)
    expect(audited).toHaveLength(1)

    const canceled = await dispatch(target, 'jobs.cancel', { id: job.id }, operator)
    expect(canceled.ok).toBe(true)
    expect(audited).toHaveLength(2)
    expect(audited[1]).toMatchObject({ caller: operator, method: 'jobs.cancel', result: { ok: true } })

    // An operator may not do an admin's work; a failed change is recorded with its error.
    expect(await dispatch(target, 'retention.run', {}, operator)).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    const missing = await dispatch(target, 'jobs.cancel', { id: 'nope' }, operator)
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } })
    expect(audited.map((call) => [call.method, call.result.ok])).toEqual([
      ['jobs.cancel', false],
      ['jobs.cancel', true],
      ['retention.run', false],
      ['jobs.cancel', false],
    ])
  })

  it('answers session.get with the caller the transport named', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    for (const caller of [viewer, operator, { who: 'desktop', role: 'admin' } as Caller]) {
      expect(await dispatch({ api: core.api, audit: null }, 'session.get' satisfies ApiMethod, {}, caller)).toEqual({ ok: true, value: caller })
    }
  })
})

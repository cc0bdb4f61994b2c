// The error replies of dispatch: every transport's answer to a bad call. They name the method
// and repeat at most a clipped, credential-free piece of what was sent.
import { afterEach, describe, expect, it } from 'vitest'
import { MASK } from '../../../src-shared/redact'
import type { CallResult } from '../../../src-shared/wire'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'
import { dispatch } from './dispatch'
import { DESKTOP as OWNER } from '../access/callers'

const CONFIG = `
jobs:
  greet:
    command: [node, -e, "1"]
    params:
      name: { type: string }
`

let env: TestEnv
afterEach(() => env.cleanup())

const MB = 1024 * 1024
const size = (reply: CallResult): number => JSON.stringify(reply).length

function refusal(reply: CallResult): { code: string; message: string; details?: unknown } {
  if (reply.ok) throw new Error(`expected a refusal, got ${JSON.stringify(reply).slice(0, 200)}`)
  return reply.error
}

describe('dispatch error replies', () => {
  it('a 1 MB key, param name or type makes a reply of a few hundred bytes, naming the method', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const big = 'k'.repeat(MB)
    expect(refusal(await dispatch({ api: core.api, audit: null }, 'jobs.enqueue', { type: 'greet', [big]: 1 }, OWNER)).message).toContain(`… (${MB + 2} chars)`)
    for (const args of [{ type: 'greet', [big]: 1 }, { type: 'greet', params: { [big]: 1 } }, { type: big }, { type: 'greet', params: { name: 1 }, priority: big }]) {
      const reply = await dispatch({ api: core.api, audit: null }, 'jobs.enqueue', args, OWNER)
      expect(refusal(reply).code).toBe('invalid_input')
      expect(refusal(reply).message).toMatch(/^jobs\.enqueue: /)
      expect(size(reply)).toBeLessThan(2_000)
    }
    expect(size(await dispatch({ api: core.api, audit: null }, big, {}, OWNER))).toBeLessThan(500)
  })

  it('a refusal by the service names the method too', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    expect(refusal(await dispatch({ api: core.api, audit: null }, 'jobs.enqueue', { type: 'nope' }, OWNER)).message).toMatch(/^jobs\.enqueue: unknown job type "nope"/)
    expect(refusal(await dispatch({ api: core.api, audit: null }, 'jobs.clear', { before: 'soon' }, OWNER)).message).toMatch(/^jobs\.clear: before: /)
  })

  it('lists at most ten schema problems and counts the rest', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const reply = await dispatch({ api: core.api, audit: null }, 'jobs.enqueueBulk', { type: 'greet', rows: Array.from({ length: 10_000 }, () => 5) }, OWNER)
    const error = refusal(reply)
    expect(error.message).toMatch(/rows\.0: .*; … and 9990 more$/)
    expect(error.details).toHaveLength(10)
    expect(size(reply)).toBeLessThan(5_000)
  })

  it('keeps the per-row details of a refused bulk add, with each string bounded', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const reply = await dispatch({ api: core.api, audit: null }, 'jobs.enqueueBulk', { type: 'greet', rows: [{ name: 'ok' }, { name: 'x'.repeat(MB), extra: 1 }] }, OWNER)
    const details = refusal(reply).details as Array<{ row: number; errors: Array<{ param: string; message: string }> }>
    expect(details).toEqual([
      {
        row: 2,
        errors: [
          { param: 'name', message: expect.stringMatching(/^param "name": the value is 1\.0 MiB .* at most 131071 bytes/) },
          { param: 'extra', message: expect.stringMatching(/^param "extra": unknown param/) },
        ],
      },
    ])
    expect(size(reply)).toBeLessThan(2_000)
  })

  it('never repeats a password or a bearer token it was sent', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const reply = await dispatch({ api: core.api, audit: null }, 'connection.test', { url: 'mysql://jd:hunter2@db/q?token=t0k3n' }, OWNER)
    const error = refusal(reply)
    expect(JSON.stringify(reply)).not.toMatch(/hunter2|t0k3n/)
    expect(error.message).toMatch(/^connection\.test url: expected a postgres:\/\/ URL/)
    const bad = await dispatch({ api: core.api, audit: null }, 'connection.test', { url: 'postgres://jd:hunter2@[nope/q' }, OWNER)
    expect(refusal(bad).message).toContain(`postgres://jd:${MASK}@`)
    expect(JSON.stringify(bad)).not.toContain('hunter2')
  })

  it('what the fuzz found: odd URLs and passwords are refused by name, a __proto__ param is not dropped silently', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const badEncoding = refusal(await dispatch({ api: core.api, audit: null }, 'connection.save', { url: 'postgres://jd:%zz@127.0.0.1:1/q' }, OWNER))
    expect(badEncoding).toMatchObject({ code: 'invalid_input', message: 'connection.save url: the password in the URL is not valid percent-encoding (write a % as %25)' })
    const surrogate = refusal(await dispatch({ api: core.api, audit: null }, 'connection.test', { url: 'postgres://jd@127.0.0.1:1/q', password: 'a\uD800' }, OWNER))
    expect(surrogate).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^connection\.test password: expected text/) })
    const fileOption = await dispatch({ api: core.api, audit: null }, 'connection.test', { url: 'postgres://jd@127.0.0.1:1/q?sslcert=/nonexistent/cert.pem' }, OWNER)
    expect(fileOption).toMatchObject({ ok: true, value: { ok: false, error: expect.stringMatching(/^cannot use postgres:\/\/jd@127\.0\.0\.1:1\/q\?sslcert=.*ENOENT/) } })
    const proto = refusal(await dispatch({ api: core.api, audit: null }, 'jobs.enqueue', JSON.parse('{"type": "greet", "params": {"__proto__": {"name": "x"}}}'), OWNER))
    expect(proto).toMatchObject({ code: 'invalid_input', message: 'jobs.enqueue: params.__proto__: "__proto__" is not a field or param name' })
    const protoRow = refusal(await dispatch({ api: core.api, audit: null }, 'jobs.enqueueBulk', JSON.parse('{"type": "greet", "rows": [{}, {"__proto__": {}}]}'), OWNER))
    expect(protoRow.message).toBe('jobs.enqueueBulk: rows.1.__proto__: "__proto__" is not a field or param name')
    // A value whose `length` cannot be compared, where a string is expected, made zod's own check throw: bad input still.
    const hostile = JSON.parse('{"after": {"length": [{"toString": 0}]}}')
    for (const method of ['schedules.preview', 'runs.list', 'timeline.extent'] as const) {
      const reply = refusal(await dispatch({ api: core.api, audit: null }, method, method === 'timeline.extent' ? { since: hostile.after } : method === 'runs.list' ? { type: hostile.after } : hostile, OWNER))
      expect(reply.code, method).toBe('invalid_input')
      expect(reply.message, method).toMatch(new RegExp(`^${method.replace('.', '\\.')}`))
    }
  })
})

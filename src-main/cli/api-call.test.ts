// The CLI calls the API through the same dispatch as the other transports: the method's schema
// checks what the operator typed, and a refusal names the flag, argument or file line it came
// from, what was expected and what was given.
import { afterEach, describe, expect, it } from 'vitest'
import { JobdeckError } from '../../src-shared/errors'
import { makeTestEnv, type TestEnv } from '../core/test-support/test-env'
import { callApi, typed } from './api-call'

let env: TestEnv
afterEach(() => env?.cleanup())

const CONFIG = 'jobs:\n  mark:\n    command: ["true"]\n    params:\n      tag: { type: string, required: true }\n'

async function refusal(promise: Promise<unknown>): Promise<JobdeckError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  if (!(error instanceof JobdeckError)) throw new Error(`expected a JobdeckError, got ${String(error)}`)
  return error
}

describe('callApi', () => {
  it('says a value out of the schema\'s limits with the flag it came from, the limits and what was typed', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const limit = await refusal(callApi(core, 'runs.list', { limit: 0 }, { limit: typed('--limit', '0') }))
    expect(limit).toMatchObject({ code: 'invalid_input', message: '--limit: expected a whole number from 1 to 100000, got "0"' })
    const status = await refusal(callApi(core, 'runs.list', { status: 'great' }, { status: typed('--status', 'great') }))
    expect(status.message).toBe('--status: expected one of running, succeeded, partial, failed, canceled, interrupted, got "great"')
    const priority = await refusal(callApi(core, 'jobs.setPriority', { id: 'x', priority: 'hi' }, { priority: typed('PRIORITY', 'hi') }))
    expect(priority.message).toBe('PRIORITY: expected one of normal, high, urgent, got "hi"')
    const id = 'x'.repeat(70)
    expect((await refusal(callApi(core, 'jobs.cancel', { id }, { id: typed('JOB_ID|RUN_ID', id) }))).message).toBe(
      `JOB_ID|RUN_ID: expected at most 64 characters, got "${id}"`,
    )
    // A field the command line did not give is named as the API names it.
    expect((await refusal(callApi(core, 'runs.list', { limit: 0 }))).message).toBe('runs.list: limit: Too small: expected number to be >=1')
  })

  it('names a bulk file, or the line of the row at fault, for a refused list of rows', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const lines = [2, 3, 5]
    const rows = { name: '--bulk jobs.jsonl', given: '3 rows', inner: ([row]: ReadonlyArray<string | number>) => `jobs.jsonl:${lines[row as number] ?? '?'}` }
    const proto = await refusal(callApi(core, 'jobs.enqueueBulk', { type: 'mark', rows: [{ tag: 'a' }, { tag: 'b' }, JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>] }, { rows }))
    expect(proto.message).toBe('jobs.jsonl:5: "__proto__" is not a field or param name')
    const many = Array.from({ length: 100_001 }, () => ({ tag: 'a' }))
    const tooMany = await refusal(callApi(core, 'jobs.enqueueBulk', { type: 'mark', rows: many }, { rows: { ...rows, given: '100001 rows' } }))
    expect(tooMany.message).toBe('--bulk jobs.jsonl: expected at most 100000 items, got 100001 rows')
    expect(core.store.counts().queued).toBe(0)
  })

  it("passes a service's refusal on with its code and details, said without the method the operator did not type", async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const unknown = await refusal(callApi(core, 'jobs.cancel', { id: '01NOPE' }))
    expect(unknown).toMatchObject({ code: 'not_found', message: expect.stringMatching(/^no job or run with id 01NOPE/) })
    const rows = await refusal(callApi(core, 'jobs.enqueueBulk', { type: 'mark', rows: [{ tag: 'a' }, {}] }))
    expect(rows.message).toMatch(/^1 of 2 rows are invalid; nothing was enqueued\nrow 2: param "tag"/)
    expect(rows.details).toEqual([{ row: 2, errors: [expect.objectContaining({ param: 'tag' })] }])
    expect((await callApi(core, 'jobs.enqueue', { type: 'mark', params: { tag: 'a' } })).status).toBe('queued')
  })
})

// alerts.snooze through dispatch on a local core: a snooze is kept and listed, lifted with null;
// "until lifted" (the window's choice) is kept; an unknown type, a time already past or more than a
// year ahead is refused naming it.
import { SNOOZE_UNTIL_LIFTED } from '../../../src-shared/alerts'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'
import { dispatch } from './dispatch'
import { DESKTOP as OWNER } from '../access/callers'

let env: TestEnv | undefined
afterEach(() => env?.cleanup())

const CONFIG = `
jobs:
  sync:
    command: [node, -e, ""]
`

describe('alerts.snooze', () => {
  it('snoozes a type until a time, lists the snoozes, and lifts one with until: null', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const until = Date.now() + 3_600_000
    expect(await dispatch({ api: core.api, audit: null }, 'alerts.snooze', { type: 'sync', until: new Date(until).toISOString() }, OWNER)).toEqual({
      ok: true,
      value: [{ type: 'sync', until: new Date(until).toISOString(), by: null }],
    })
    // The outbox's file keeps it: the rules read it from there.
    expect(core.store.db.prepare(`SELECT type, until FROM alert_snoozes`).all()).toEqual([{ type: 'sync', until }])
    expect(await dispatch({ api: core.api, audit: null }, 'alerts.snooze', { type: 'sync', until: null }, OWNER)).toEqual({ ok: true, value: [] })
  })

  it('refuses an unknown type, naming it and the known ones, and a time already past', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const unknown = await dispatch({ api: core.api, audit: null }, 'alerts.snooze', { type: 'snyc', until: Date.now() + 60_000 }, OWNER)
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/unknown job type "snyc"; expected one of sync/) } })
    const past = await dispatch({ api: core.api, audit: null }, 'alerts.snooze', { type: 'sync', until: Date.now() - 1 }, OWNER)
    expect(past).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/until must be in the future/) } })
  })

  it('keeps a snooze until lifted (the window sends SNOOZE_UNTIL_LIFTED), but refuses another time beyond a year', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    expect(await dispatch({ api: core.api, audit: null }, 'alerts.snooze', { type: 'sync', until: SNOOZE_UNTIL_LIFTED }, OWNER)).toEqual({
      ok: true,
      value: [{ type: 'sync', until: SNOOZE_UNTIL_LIFTED, by: null }],
    })
    const twoYears = await dispatch({ api: core.api, audit: null }, 'alerts.snooze', { type: 'sync', until: Date.now() + 2 * 366 * 86_400_000 }, OWNER)
    expect(twoYears).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/at most a year ahead .* or 9999-12-31T00:00:00.000Z \(until lifted\)/) } })
  })
})

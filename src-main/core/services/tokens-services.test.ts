// tokens.create, tokens.revoke and tokens.list through the real dispatch over a real data dir:
// what each refusal says, and that only an admin may manage tokens.
import { afterEach, describe, expect, it } from 'vitest'
import type { Caller } from '../../../src-shared/access'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'
import { dispatch } from './dispatch'

const CONFIG = `
jobs:
  greet:
    command: [node, -e, "1"]
`

let env: TestEnv
afterEach(() => env?.cleanup())

const admin: Caller = { who: 'cli:ana@box', role: 'admin' }

describe('tokens services', () => {
  it('refuses a taken name (a revoked token keeps its own), a reserved one, a bad expiry and an unknown revoke, each naming what is wrong', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const target = { api: core.api, audit: null }
    await core.api['tokens.create']({ name: 'ci-bot', role: 'viewer' })
    await core.api['tokens.revoke']({ name: 'ci-bot' })
    expect(await dispatch(target, 'tokens.create', { name: 'ci-bot', role: 'viewer' }, admin)).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringMatching(/^tokens\.create: a token named "ci-bot" exists already/) },
    })
    expect(await dispatch(target, 'tokens.create', { name: 'desktop', role: 'admin' }, admin)).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringMatching(/^tokens\.create: name: "desktop" is reserved/) },
    })
    for (const expires of ['soon', '0d', '-1d', '99999d', '0.5ms', '1.0000001s', '9999999999999999999d', '1e3d', '5M']) {
      expect(await dispatch(target, 'tokens.create', { name: 'later', role: 'viewer', expires }, admin)).toMatchObject({
        ok: false,
        error: { code: 'invalid_input', message: expect.stringMatching(/^tokens\.create: expires: expected a duration from now such as 90d/) },
      })
    }
    expect(await dispatch(target, 'tokens.revoke', { name: 'nobody' }, admin)).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: 'tokens.revoke: no token named "nobody"; `jobdeck tokens list` shows them' },
    })
    expect((await core.api['tokens.list']({})).map((t) => t.name)).toEqual(['ci-bot'])
  })

  it('only an admin may list, make or revoke tokens', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const target = { api: core.api, audit: null }
    for (const role of ['viewer', 'operator'] as const) {
      const caller: Caller = { who: `a-${role}`, role }
      expect(await dispatch(target, 'tokens.list', {}, caller)).toMatchObject({ ok: false, error: { code: 'forbidden' } })
      expect(await dispatch(target, 'tokens.create', { name: 'mine', role: 'admin' }, caller)).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    }
    expect(await core.api['tokens.list']({})).toEqual([])
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'
import { terminal } from '../model/transitions'

const CONFIG = `
jobs:
  say:
    command: [node, -e, "0"]
`

let env: TestEnv
afterEach(() => env.cleanup())

describe('timeline.extent', () => {
  it('gives the first start since a time and the latest start of all', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const { store } = core
    expect(await core.api['timeline.extent']({ since: 0 })).toEqual({ first: null, last: null })

    const now = Date.now()
    const starts = [now - 3 * 86_400_000, now - 40 * 60_000, now - 10 * 60_000]
    for (const [i, at] of starts.entries()) {
      store.enqueue([{ id: `01J00000000000000000000${i}`, type: 'say', params: {}, priority: 'normal', lane: 'default' }], at - 1000)
      const [c] = store.claim({ now: at, runnerId: 'r', concurrency: 1, laneLimit: () => 1, allowedTypes: ['say'] })
      store.finish({
        runId: c?.run.id ?? '',
        runnerId: 'r',
        now: at + 5000,
        outcome: 'succeeded',
        exitCode: 0,
        signal: null,
        error: null,
        progress: { percent: null, current: null, total: null, message: null },
        itemsOk: null,
        itemsFailed: null,
        transition: terminal('succeeded', 0, at + 5000, null),
      })
    }
    // The last day holds the two recent runs; the old one is outside it.
    expect(await core.api['timeline.extent']({ since: now - 86_400_000 })).toEqual({ first: starts[1], last: starts[2] })
    // Nothing started in the last five minutes: only the latest start says where the runs are.
    expect(await core.api['timeline.extent']({ since: now - 5 * 60_000 })).toEqual({ first: null, last: starts[2] })

  })
})

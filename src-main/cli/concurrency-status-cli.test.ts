// `jobdeck status` in its own process, beside a runner whose host CPU is scripted: it reads the
// runner's effective concurrency from the data dir (its last recorded step since it started).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunnerStatus } from '../../src-shared/domain'
import { ADAPTIVE_CONFIG, openOnScriptedHost } from '../core/test-support/host-samples'
import { makeTestEnv, waitFor, type TestEnv } from '../core/test-support/test-env'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))


let env: TestEnv
afterEach(() => env.cleanup())

function status(json = false): string {
  const result = spawnSync(process.execPath, [BIN, 'status', ...(json ? ['--json'] : []), '--data-dir', env.dataDir, '--config', env.configPath], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  expect(result.stderr).toBe('')
  return result.stdout
}

describe('jobdeck status under adaptive concurrency', () => {
  it('prints the effective limit and why from another process, and the maximum again once the runner is gone or restarted', async () => {
    env = makeTestEnv(ADAPTIVE_CONFIG)
    const { core, sampler } = openOnScriptedHost(env, { cpu: 95 })
    core.startRunner()
    await waitFor(() => core.monitor()?.concurrency()?.limit === 1, 5_000, 'the minimum')
    const [first, second] = await core.api['jobs.enqueueBulk']({ type: 'nap', rows: ['a', 'b'].map((lane) => ({ ms: 20_000, lane })) })
    await waitFor(() => core.runner()?.runningCount === 1, 5_000, 'one run')

    const text = status()
    expect(text).toMatch(/^concurrency 1 of 3: CPU 95% over 80% \(adaptive, min 1\)$/m)
    expect(text).toMatch(new RegExp(`${second?.id}.*runner busy: 1 running, concurrency 1 of 3: CPU 95% over 80%`))
    const json = JSON.parse(status(true)) as RunnerStatus
    expect(json.limits).toMatchObject({ concurrency: 1, maxConcurrency: 3, minConcurrency: 1, adaptive: true, concurrencyReason: 'CPU 95% over 80%' })
    expect(json.running.map((r) => r.job.id)).toEqual([first?.id])

    await core.close()
    // No runner: its last step no longer says anything.
    expect(status()).toMatch(/^concurrency 3 of 3 \(adaptive, min 1\)$/m)
    // A new runner starts at the maximum; the old steps were recorded before it started.
    sampler.next = { cpu: 60 }
    const again = env.open({ hostSampler: sampler })
    again.startRunner()
    await waitFor(() => again.monitor()?.latest(), 5_000, 'a sample')
    expect(status()).toMatch(/^concurrency 3 of 3 \(adaptive, min 1\)$/m)
  }, 60_000)
})

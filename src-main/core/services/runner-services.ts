// The runner part of the API: pause and resume (kept in the queue, so every runner on it obeys),
// drain (this process's runner only), and the status: what runs, what waits and why, limits,
// counts, host health, circuit breakers, the shared connection and the other runners.
import { laneLimit } from '../config/job-command'
import { explainWaiting } from '../runner/wait-reasons'
import { JobReads } from '../store/sqlite/job-reads'
import type { JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'
import type { RunnerView } from './runner-view'
import { afterWrite, type ServiceDeps } from './service-deps'

export type RunnerApi = Pick<JobdeckApi, 'runner.pause' | 'runner.resume' | 'runner.drain' | 'runner.status'>

export function runnerServices(deps: ServiceDeps, view: RunnerView): RunnerApi {
  const { store, config, writer } = deps
  const jobReads = new JobReads(store.db)

  return {
    async 'runner.pause'() {
      await writer.setPaused(true)
      afterWrite(deps)
      return { paused: true as const }
    },

    async 'runner.resume'() {
      await writer.setPaused(false)
      afterWrite(deps)
      return { paused: false as const }
    },

    async 'runner.drain'(args) {
      const local = deps.runner()
      if (!local) throw new JobdeckError('conflict', 'this process runs no runner; there is nothing to drain')
      local.setDraining(args.draining)
      return { draining: local.draining }
    },

    async 'runner.status'(args) {
      const running = store.listRunning()
      const paused = store.isPaused()
      const alive = view.runnerAlive()
      const lock = store.lockInfo()
      const host = view.hostState()
      const waiting = explainWaiting(store.listWaiting(args.limit), view.waitContext(running.map((r) => r.run), { paused, alive, host }))
      const expected = jobReads.expecter()
      return {
        state: !alive ? 'stopped' : paused ? 'paused' : running.length > 0 ? 'running' : 'idle',
        paused,
        draining: deps.runner()?.draining ?? false,
        runnerId: alive ? (deps.runner()?.runnerId ?? lock?.runnerId ?? null) : null,
        runnerPid: alive ? (lock?.pid ?? null) : null,
        running: running.map((entry) => ({ ...entry, expected: expected(entry.run) })),
        queued: waiting.map((job) => ({ ...job, expected: expected(job) })),
        limits: {
          ...view.concurrencyLimits(),
          rates: Object.fromEntries(Object.entries(config.current.raw.lanes).flatMap(([lane, { rate }]) => (rate ? [[lane, rate.text]] : []))),
          lanes: Object.fromEntries([...new Set([...running.map((r) => r.run.lane), ...waiting.map((j) => j.lane)])].map((lane) => [lane, laneLimit(config.current, lane)])),
        },
        counts: store.counts(),
        health: view.healthSummary(host.sample, host.health),
        breakers: deps.breakers?.() ?? [],
        connection: view.connection(),
        runners: view.sharedRunners(),
      }
    },
  }
}

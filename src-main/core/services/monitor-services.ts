// The monitor part of the API: the latest host sample and health with the job types the resource
// gate holds back, and a span of samples (raw for the last hour, per-minute aggregates beyond)
// with the steps of adaptive concurrency in it.
import type { JobdeckApi } from '../../../src-shared/api'
import type { RunnerView } from './runner-view'
import { toEpoch, type ServiceDeps } from './service-deps'

export type MonitorApi = Pick<JobdeckApi, 'monitor.latest' | 'monitor.range'>

export function monitorServices(deps: ServiceDeps, view: RunnerView): MonitorApi {
  const { config, monitorStore } = deps
  const now = deps.now ?? Date.now

  return {
    async 'monitor.latest'() {
      const { sample, health } = view.hostState()
      return { sample, health, waiting: view.gateReasons(sample, health) }
    },

    async 'monitor.range'(args) {
      const since = toEpoch(args.since, 'since')
      const until = args.until === undefined ? now() : toEpoch(args.until, 'until')
      // Raw samples exist only for the retention window; older spans come from the minutes.
      const rawFrom = now() - config.current.raw.monitor.rawRetention
      const resolution = args.resolution === 'auto' ? (until - since <= 3_600_000 && since >= rawFrom - 60_000 ? 'raw' : 'minute') : args.resolution
      // Adaptive concurrency's steps in the span, at either resolution (the Timeline marks them).
      const concurrency = monitorStore.concurrencyChanges(since, until)
      return resolution === 'raw'
        ? { resolution, samples: monitorStore.samples(since, until), minutes: [], concurrency }
        : { resolution, samples: [], minutes: monitorStore.minutes(since - (since % 60_000), until), concurrency }
    },
  }
}

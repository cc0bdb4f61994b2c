// `npm run bench`: every benchmark, figures and ratios printed. Results go to BENCHMARKS.md by hand.
import os from 'node:os'
import { benchAlerts } from './alerts'
import { benchAudit } from './audit'
import { benchCliStartup } from './cli-startup'
import { benchCommandThroughput } from './command-throughput'
import { benchDispatchLatency } from './dispatch-latency'
import { benchEngineStart } from './engine-start'
import { benchHistoryFirstPage } from './history-first-page'
import { benchHttpApi } from './http-api'
import { benchKillSweep } from './kill-sweep'
import { benchMetrics } from './metrics'
import { benchMonitorOverhead } from './monitor-overhead'
import { benchPgQueueThroughput } from './pg-queue-throughput'
import { benchPgSync } from './pg-sync'
import { benchQueueThroughput, benchSingleEnqueue } from './queue-throughput'
import { benchQueueView } from './queue-view'
import { benchRetention } from './retention'
import { benchSchedules } from './schedules'
import { benchSources } from './sources'
import { benchTimelineSources } from './timeline-sources-chromium'
import { benchStoreWriter } from './store-writer'
import { benchTimeline } from './timeline-chromium'
import { benchTimelineForecast } from './timeline-forecast-chromium'

const only = process.argv[2]
process.stdout.write(`jobdeck benchmarks · node ${process.version} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}\n`)

const suites: Record<string, () => Promise<unknown>> = {
  queue: async () => {
    await benchQueueThroughput('FULL')
    await benchQueueThroughput('NORMAL')
    await benchSingleEnqueue()
  },
  command: benchCommandThroughput,
  writer: benchStoreWriter,
  dispatch: benchDispatchLatency,
  monitor: benchMonitorOverhead,
  history: benchHistoryFirstPage,
  'queue-view': benchQueueView,
  timeline: benchTimeline,
  'timeline-forecast': benchTimelineForecast,
  'pg-queue': benchPgQueueThroughput,
  'pg-sync': benchPgSync,
  'kill-sweep': benchKillSweep,
  cli: benchCliStartup,
  'engine-start': benchEngineStart,
  schedules: benchSchedules,
  sources: benchSources,
  'timeline-sources': benchTimelineSources,
  alerts: benchAlerts,
  retention: benchRetention,
  http: benchHttpApi,
  metrics: benchMetrics,
  audit: benchAudit,
}

for (const [name, run] of Object.entries(suites)) {
  if (only && only !== name) continue
  await run()
}

// The alert path's added cost per failed job: a runner failing N jobs (an instant executor, so the
// figures are Jobdeck's own) with alerts configured to a webhook receiver on 127.0.0.1 (rule
// `failed`, the json format, default digest window), against the same runner without alerts,
// ABBA-interleaved on fresh data dirs. Primary: the runner's time per failed job until every job
// is terminal; secondary: CPU per job until every alert was delivered (the receiver runs in this
// process too: its share is in the figure).
// The rules (AlertWatch) decide each failure from the committed history, as in production.
import { performance } from 'node:perf_hooks'
import type { ExecutorFactory } from '../src-main/core/runner/runner'
import { waitFor } from '../src-main/core/test-support/test-env'
import { startWebhookReceiver, type WebhookReceiver } from '../src-main/core/test-support/webhook-receiver'
import { ScriptedSampler } from '../src-main/core/test-support/host-samples'
import { fmt, report, tempCore } from './bench-support'
import { median } from './browser-support'

const JOBS = Number(process.env.BENCH_ALERT_JOBS ?? 1_000)
const ROUNDS = Number(process.env.BENCH_ALERT_ROUNDS ?? 2)

const failing: ExecutorFactory = () => ({
  async execute(ctx) {
    ctx.onStarted(null)
    return { outcome: 'failed', exitCode: 2, signal: null, error: 'exit code 2: boom', timedOut: false, itemsOk: null, itemsFailed: null }
  },
})

const BASE = `runner: { concurrency: 4 }\njobs:\n  sync: { command: [node, -e, "0"], retries: { max: 0 } }\nmonitor:\n  thresholds: { cpu: { warning: 99, critical: 100 } }\n`
const withAlerts = (url: string): string => `${BASE}alerts:\n  channels:\n    ops: { webhook: { url: "${url}", format: json } }\n  rules:\n    - { on: failed, channels: [ops] }\n`

interface Sample {
  msPerJob: number
  cpuMsPerJob: number
  deliveries: number
}

async function once(alerts: boolean, hook: WebhookReceiver): Promise<Sample> {
  const env = tempCore(alerts ? withAlerts(hook.url) : BASE, { executorFor: failing, hostSampler: new ScriptedSampler(), runner: { pollMs: 20 } })
  try {
    const { core } = env
    const before = hook.accepted().length
    await core.api['jobs.enqueueBulk']({ type: 'sync', rows: Array.from({ length: JOBS }, () => ({})) })
    const cpu = process.cpuUsage()
    const start = performance.now()
    core.startRunner()
    await waitFor(() => core.store.counts().failed >= JOBS || null, 600_000, 'every job failed')
    const ms = performance.now() - start
    if (alerts) {
      const delivered = (): number => (hook.accepted().slice(before) as Array<{ count?: number }>).reduce((sum, body) => sum + (body.count ?? 1), 0)
      await waitFor(() => delivered() >= JOBS, 120_000, 'every alert delivered')
    }
    const used = process.cpuUsage(cpu)
    return { msPerJob: ms / JOBS, cpuMsPerJob: (used.user + used.system) / 1000 / JOBS, deliveries: hook.accepted().length - before }
  } finally {
    await env.dispose()
  }
}

export async function benchAlerts(): Promise<void> {
  const hook = await startWebhookReceiver()
  try {
    const none: Sample[] = []
    const withIt: Sample[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // ABBA: each side runs first and last once per round.
      none.push(await once(false, hook))
      withIt.push(await once(true, hook))
      withIt.push(await once(true, hook))
      none.push(await once(false, hook))
    }
    const med = (xs: Sample[], key: keyof Sample): number => median(xs.map((x) => x[key]))
    const spread = (xs: Sample[], key: keyof Sample): string => `${fmt(Math.min(...xs.map((x) => x[key])), 3)}–${fmt(Math.max(...xs.map((x) => x[key])), 3)}`
    report(`alerts: ${JOBS} failing jobs (instant executor, concurrency 4), webhook on 127.0.0.1, ABBA × ${ROUNDS}, decided by the rules`, [
      ['runner time per failed job, no alerts (median, range)', `${fmt(med(none, 'msPerJob'), 3)} ms (${spread(none, 'msPerJob')})`],
      ['runner time per failed job, alerts (median, range)', `${fmt(med(withIt, 'msPerJob'), 3)} ms (${spread(withIt, 'msPerJob')})`],
      ['added per failed job', `${fmt(med(withIt, 'msPerJob') - med(none, 'msPerJob'), 3)} ms (${fmt(med(withIt, 'msPerJob') / med(none, 'msPerJob'), 2)}x)`],
      ['CPU per job until delivered, no alerts / alerts', `${fmt(med(none, 'cpuMsPerJob'), 3)} / ${fmt(med(withIt, 'cpuMsPerJob'), 3)} ms`],
      ['webhook posts per run (digests of up to 100)', withIt.map((s) => String(s.deliveries)).join(', ')],
    ])
  } finally {
    await hook.close()
  }
}

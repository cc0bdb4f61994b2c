// /metrics through the real `jobdeck serve` over HTTP (Node's fetch, a real viewer token from
// `jobdeck tokens create`, no mocks): refused without a token, Prometheus text with one, its job
// counts those of `jobdeck status --json`, its per-lane depth the jobs waiting, and the run finishes
// the serving process heard counted.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePrometheusText, sampleValue, samplesBy, type Family } from '../src-main/core/test-support/prometheus-text'
import { enqueue, runnerStatus, serve, until, type Served } from './harness'

const CONFIG = `jobs:
  nap:
    command: [node, sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 10 }
      lane: { type: string, default: a }
    lane: "{lane}"
  broken:
    command: [node, -e, "process.exit(3)"]
monitor:
  thresholds: { cpu: { warning: 99, critical: 100 } }
`

let dir: string
let served: Served

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-metrics-'))
  fs.writeFileSync(path.join(dir, 'jobdeck.yaml'), CONFIG)
  fs.writeFileSync(path.join(dir, 'sleep.js'), 'setTimeout(() => undefined, Number(process.argv[2]))')
  const site = path.join(dir, 'renderer')
  fs.mkdirSync(site)
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>Jobdeck</title>')
  served = await serve({ config: path.join(dir, 'jobdeck.yaml'), env: { JOBDECK_RENDERER_DIR: site } })
}, 60_000)

afterAll(async () => {
  await served?.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

const scrape = (token?: string): Promise<Response> =>
  fetch(new URL('/metrics', served.url), { headers: token ? { authorization: `Bearer ${token}` } : {} })

async function families(token: string): Promise<Map<string, Family>> {
  const res = await scrape(token)
  expect(res.status).toBe(200)
  return parsePrometheusText(await res.text(), { prefix: 'jobdeck_' })
}

describe('/metrics of jobdeck serve', { timeout: 90_000 }, () => {
  it('is refused without a token; with a viewer token it is Prometheus text whose counts are those of `jobdeck status`', async () => {
    const made = served.cli(['tokens', 'create', 'prometheus', '--role', 'viewer'])
    expect(made.code, made.stderr).toBe(0)
    const viewer = made.stdout.trimEnd().split('\n').at(-1) ?? ''
    // A running server reads the token list again at most a second after a change.
    await until(async () => (await scrape(viewer)).status === 200, 5_000, 'the server to take the token')

    const none = await scrape()
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(await none.text()).not.toMatch(/jobdeck_/)
    expect((await scrape('jdk_not-a-token')).status).toBe(401)
    const ok = await scrape(viewer)
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)

    // Two successes and a failure, then the runner paused with three waiting in two lanes.
    const done = [enqueue(served, ['nap']), enqueue(served, ['nap', '--param', 'lane=b']), enqueue(served, ['broken'])]
    await until(() => {
      const counts = runnerStatus(served).counts
      return counts.succeeded === 2 && counts.failed === 1
    }, 30_000, `jobs ${done.join(', ')} to finish`)
    expect(served.cli(['pause']).code).toBe(0)
    for (const lane of ['a', 'a', 'b']) enqueue(served, ['nap', '--param', `lane=${lane}`])

    // The serving process counts a finish once its change feed publishes it (the CLI may read it first).
    const metrics = await until(async () => {
      const read = await families(viewer)
      return sampleValue(read, 'jobdeck_run_duration_seconds_count', { type: 'nap' }) === 2 ? read : null
    }, 10_000, 'the serving process to hear both finishes')
    const status = runnerStatus(served)
    expect(samplesBy(metrics, 'jobdeck_jobs', 'status')).toEqual(status.counts)
    expect(status.counts).toMatchObject({ succeeded: 2, failed: 1, queued: 3 })
    expect(samplesBy(metrics, 'jobdeck_queue_depth', 'lane')).toEqual({ a: 2, b: 1 })
    expect(samplesBy(metrics, 'jobdeck_runner_state', 'state')).toEqual({ running: 0, paused: 1, draining: 0, standby: 0 })
    // Heard by the serving process as its runner finished them.
    expect(sampleValue(metrics, 'jobdeck_runs_finished_total', { type: 'nap', outcome: 'succeeded' })).toBe(2)
    expect(sampleValue(metrics, 'jobdeck_runs_finished_total', { type: 'broken', outcome: 'failed' })).toBe(1)
    expect(sampleValue(metrics, 'jobdeck_runs', { type: 'broken', outcome: 'failed' })).toBe(1)
  })
})

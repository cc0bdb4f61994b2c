// Schedules at scale: 1,000 schedules of a realistic mix (every 5 minutes to daily, about 9,800
// fires in 24 h). What the scheduler costs while they wait (CPU per minute, with a real SQLite
// file behind it), and how long `schedules.list` with the next 5 fires of each takes.
import { performance } from 'node:perf_hooks'
import { EventBus } from '../src-main/core/events/event-bus'
import { Scheduler } from '../src-main/core/runner/scheduler'
import { SqliteSchedules } from '../src-main/core/store/sqlite/schedule-fires'
import { fmt, percentile, report, tempCore } from './bench-support'

const WINDOW_S = Number(process.env.BENCH_SCHEDULES_SECONDS ?? 60)
const LIST_CALLS = Number(process.env.BENCH_SCHEDULES_LIST_CALLS ?? 50)

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo']

/** 1,000 schedules; fires in 24 h: 20×288 + 40×48 + 40×24 + 100×4 + 800×1 = 9,840. */
export function scheduleMix(): string {
  const lines: string[] = []
  const add = (name: string, timing: string, i: number): void => {
    lines.push(`  ${name}:\n    job: export\n    params: { dealer_id: "${10_000 + i}" }\n    ${timing}\n    timezone: ${ZONES[i % ZONES.length]}\n    overlap: skip`)
  }
  let i = 0
  for (let k = 0; k < 20; k++, i++) add(`health-${k}`, 'every: 5m', i)
  for (let k = 0; k < 40; k++, i++) add(`sync-${k}`, 'every: 30m', i)
  for (let k = 0; k < 40; k++, i++) add(`hourly-${k}`, `cron: "${k % 60} * * * *"`, i)
  for (let k = 0; k < 100; k++, i++) add(`quarter-day-${k}`, `cron: "${k % 60} */6 * * *"`, i)
  for (let k = 0; k < 800; k++, i++) add(`nightly-${k}`, `cron: "${k % 60} ${k % 24} * * *"`, i)
  return `jobs:
  export:
    command: [node, -e, "0"]
    lane: 'dealer:{dealer_id}'
    params:
      dealer_id: { type: string, required: true }
schedules:
${lines.join('\n')}
`
}

async function cpuOver(seconds: number): Promise<number> {
  const before = process.cpuUsage()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1e6
}

export async function benchSchedules(): Promise<{ percentOfCore: number; listMedianMs: number }> {
  const env = tempCore(scheduleMix())
  try {
    const { core } = env
    const schedules = core.config.current.schedules.size
    // The scheduler alone, as the runner's process runs it (without the runner: its jobs would
    // be the runner's cost, not the scheduler's).
    let enqueued = 0
    const scheduler = new Scheduler({
      schedules: new SqliteSchedules(core.store),
      config: () => core.config.current,
      events: new EventBus(),
      afterEnqueue: () => enqueued++,
    })
    const idle = await cpuOver(Math.min(10, WINDOW_S))
    const idlePerSecond = idle / Math.min(10, WINDOW_S)
    const startedAt = performance.now()
    const startCpu = process.cpuUsage()
    await scheduler.start()
    const startMs = performance.now() - startedAt
    // The next fires of every schedule are worked out in the background after the start (for
    // the first Schedules view): a one-off, measured apart from the steady state. It takes about
    // a second of CPU, spread over several on a busy machine: the window starts well after it.
    const warmMs = Number(process.env.BENCH_SCHEDULES_WARM_MS ?? 30_000)
    await new Promise((r) => setTimeout(r, warmMs))
    const warmCpu = process.cpuUsage(startCpu)
    const warmS = (warmCpu.user + warmCpu.system) / 1e6 - idlePerSecond * (warmMs / 1000)
    // The scheduler's own work, measured directly: the process's CPU during each look it takes
    // (its timer calls wake()). The window's total less the idle baseline is the cross-check;
    // in an idle core both are small enough that the baseline's own noise can exceed the difference.
    let wakeMicros = 0
    let wakes = 0
    const wake = scheduler.wake.bind(scheduler)
    scheduler.wake = async () => {
      const before = process.cpuUsage()
      try {
        await wake()
      } finally {
        const used = process.cpuUsage(before)
        wakeMicros += used.user + used.system
        wakes++
      }
    }
    const withScheduler = await cpuOver(WINDOW_S)
    await scheduler.stop()
    const ownPerMinute = (wakeMicros / 1e6 / WINDOW_S) * 60
    const perMinute = ((withScheduler - idlePerSecond * WINDOW_S) / WINDOW_S) * 60
    const percentOfCore = (Math.max(0, perMinute) / 60) * 100
    const fires = (core.store.db.prepare('SELECT count(*) AS n FROM schedule_fires').get() as { n: number }).n

    const first = performance.now()
    await core.api['schedules.list']({ fires: 5 })
    const coldMs = performance.now() - first
    const times: number[] = []
    for (let k = 0; k < LIST_CALLS; k++) {
      const t = performance.now()
      const list = await core.api['schedules.list']({ fires: 5 })
      times.push(performance.now() - t)
      if (list.length !== schedules) throw new Error(`listed ${list.length} of ${schedules} schedules`)
    }
    times.sort((a, b) => a - b)
    const listMedianMs = percentile(times, 50)

    report(`schedules: ${schedules} schedules (every 5 min to daily, ~9,840 fires in 24 h), SQLite`, [
      ['scheduler start (judge, arm)', `${fmt(startMs, 1)} ms`],
      ['start and background warm-up of the next fires and the next day, CPU', `${fmt(warmS * 1000, 0)} ms (once per start or config reload)`],
      [
        `scheduler CPU per minute (${WINDOW_S} s window), its own looks`,
        `${fmt(ownPerMinute * 1000, 2)} ms = ${fmt((ownPerMinute / 60) * 100, 4)} % of one core (target ≤ 0.1 %); ${wakes} looks, ${fires} fires, ${enqueued} enqueue commits`,
      ],
      ['the same, whole process less its idle baseline (cross-check)', `${fmt(perMinute * 1000, 1)} ms per minute (baseline ${fmt(idlePerSecond * 60_000, 1)} ms per minute)`],
      ['schedules.list, next 5 fires, first call', `${fmt(coldMs, 1)} ms`],
      [`schedules.list, next 5 fires, median / p95 of ${LIST_CALLS}`, `${fmt(listMedianMs, 2)} ms / ${fmt(percentile(times, 95), 2)} ms (target ≤ 20 ms)`],
    ])
    return { percentOfCore: Math.max(percentOfCore, (ownPerMinute / 60) * 100), listMedianMs }
  } finally {
    await env.dispose()
  }
}

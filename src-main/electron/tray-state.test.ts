import { describe, expect, it } from 'vitest'
import type { DatabaseState } from '../../src-shared/connection'
import { job, LOCAL, status } from './test-support/domain-objects'
import { TOOLTIP_MAX, TrayModel, trayView, type TrayMenuItem } from './tray-state'

const labels = (menu: TrayMenuItem[]): string[] => menu.map((item) => (item.kind === 'separator' ? '---' : item.label))

describe('TrayModel and trayView', () => {
  it('goes idle → running → attention → seen', () => {
    const model = new TrayModel()
    expect(trayView(model.facts).tooltip).toMatch(/starting the engine/)

    model.applyStatus(status([], 0))
    expect(trayView(model.facts)).toMatchObject({ image: 'idle', tooltip: '0 running · 0 queued' })

    model.applyStatus(status([['R1', 40], ['R2', null]], 14))
    let view = trayView(model.facts, { titleOf: (t) => (t === 'report' ? 'Daily report' : undefined) })
    expect(view.image).toBe('running')
    expect(view.tooltip).toBe('2 running · 14 queued')
    expect(labels(view.menu)).toContain('Daily report — 40%')
    expect(view.menu).toContainEqual({ kind: 'action', label: 'Daily report — 40%', action: { type: 'open-run', runId: 'R1', view: 'queue' }, enabled: true })

    // Progress moves the label in place; it needs no new snapshot.
    expect(model.applyEvent('run.progress', { runId: 'R1', jobId: 'JR1', progress: { percent: 75, current: null, total: null, message: 'page 3' }, itemsOk: null, itemsFailed: null })).toBe(false)
    expect(labels(trayView(model.facts).menu)).toContain('report — 75% · page 3')

    // A retry is not a failure; the failure after the last retry is.
    expect(model.applyEvent('job.changed', { job: job('J9', 'retrying') })).toBe(true)
    expect(trayView(model.facts).image).toBe('running')
    model.applyEvent('job.changed', { job: job('J9', 'failed', { lastRunId: 'R9' }) })
    model.applyStatus(status([['R1', 80]], 13))
    view = trayView(model.facts)
    expect(view.image).toBe('attention')
    expect(view.tooltip).toBe('1 running · 13 queued · 1 failed')
    expect(view.menu).toContainEqual({ kind: 'action', label: 'Failed: report', action: { type: 'open-run', runId: 'R9', view: 'history' }, enabled: true })

    model.markSeen()
    view = trayView(model.facts)
    expect(view.image).toBe('running')
    expect(view.tooltip).toBe('1 running · 13 queued')
    model.applyStatus(status([], 0))
    expect(trayView(model.facts).image).toBe('idle')
  })

  it('counts a job failing twice once, and forgets a failure that was retried', () => {
    const model = new TrayModel()
    model.applyStatus(status([]))
    model.applyEvent('job.changed', { job: job('J1', 'failed') })
    model.applyEvent('job.changed', { job: job('J1', 'failed') })
    model.applyEvent('job.changed', { job: job('J2', 'failed') })
    expect(trayView(model.facts).tooltip).toBe('0 running · 0 queued · 2 failed')
    expect(labels(trayView(model.facts).menu)).toContain('2 jobs failed — show the last')
    model.applyEvent('job.changed', { job: job('J1', 'queued') })
    model.applyEvent('job.changed', { job: job('J2', 'queued') })
    expect(trayView(model.facts).image).toBe('idle')
  })

  it('shows offline in shared mode without the database, under attention', () => {
    const model = new TrayModel()
    model.applyStatus(status([['R1', null]], 2))
    const offline: DatabaseState = { ...LOCAL, mode: 'shared', status: 'offline', url: 'postgres://db/jobs', offlineSince: '2026-03-01T10:42:00.000Z', error: 'ECONNREFUSED' }
    model.applyEvent('connection.changed', { connection: offline })
    let view = trayView(model.facts)
    expect(view.image).toBe('offline')
    expect(view.tooltip).toBe('1 running · 2 queued · database offline')
    expect(labels(view.menu)).toContain('Database offline: results are kept and sent when it returns')
    model.applyEvent('job.changed', { job: job('J5', 'failed') })
    expect(trayView(model.facts).image).toBe('attention')
    model.markSeen()
    expect(trayView(model.facts).image).toBe('offline')
    model.applyEvent('connection.changed', { connection: { ...offline, status: 'online', offlineSince: null } })
    view = trayView(model.facts)
    expect(view.image).toBe('running')
    // Local mode is never "offline".
    model.applyEvent('connection.changed', { connection: { ...LOCAL, status: 'offline' } })
    expect(trayView(model.facts).image).toBe('running')
  })

  it('offers Pause or Resume by the runner state, and neither while the engine is down or on standby', () => {
    const model = new TrayModel()
    const pause = (): TrayMenuItem | undefined => trayView(model.facts).menu.find((i) => i.kind === 'action' && /Pause|Resume/.test(i.label))
    expect(pause()).toMatchObject({ label: 'Pause runner', enabled: false })
    model.applyStatus(status([]))
    expect(pause()).toMatchObject({ label: 'Pause runner', action: { type: 'pause' }, enabled: true })
    model.applyEvent('runner.changed', { paused: true, state: 'paused' })
    expect(pause()).toMatchObject({ label: 'Resume runner', action: { type: 'resume' }, enabled: true })
    expect(trayView(model.facts).tooltip).toBe('0 running · 0 queued · paused')
    model.applyEvent('runner.changed', { paused: false, state: 'stopped' })
    expect(pause()).toMatchObject({ enabled: false })
    expect(trayView(model.facts).tooltip).toMatch(/standby/)
    model.engineDown()
    expect(pause()).toMatchObject({ enabled: false })
  })

  it('lists at most five runs, keeps the tooltip within Windows limits, and always ends with Quit', () => {
    const model = new TrayModel()
    model.applyStatus(status(Array.from({ length: 8 }, (_, i): [string, number] => [`R${i}`, i * 10]), 12_345, { paused: true }))
    model.setQuitting('waiting')
    for (let i = 0; i < 40; i++) model.applyEvent('job.changed', { job: job(`F${i}`, 'failed') })
    const view = trayView(model.facts)
    expect(view.menu.filter((i) => i.kind === 'action' && i.action.type === 'open-run' && i.label.startsWith('report —'))).toHaveLength(5)
    expect(labels(view.menu)).toContain('…and 3 more running')
    expect(labels(view.menu)).toContain('Quitting when the running jobs finish')
    expect(view.menu.at(-1)).toEqual({ kind: 'action', label: 'Quit now…', action: { type: 'quit' }, enabled: true })
    expect(view.menu[0]).toEqual({ kind: 'action', label: 'Show Jobdeck', action: { type: 'show' }, enabled: true })
    expect(view.tooltip.length).toBeLessThanOrEqual(TOOLTIP_MAX)
  })

  it('a stuck source row asks for attention like a failure, opens over the Queue, and stays while it still runs', () => {
    const model = new TrayModel()
    model.applyStatus(status([], 0))
    const stuck = { runId: 'legacy:41/run', jobId: 'legacy:41', type: 'legacy/report', source: 'legacy', sourceId: '41', startedAt: '2026-03-01T10:00:00.000Z', stuckAfterMs: 1_800_000 }
    expect(model.applyEvent('run.stuck', stuck)).toBe(false)
    let view = trayView(model.facts)
    expect(view.image).toBe('attention')
    expect(view.tooltip).toBe('0 running · 0 queued · 1 stuck')
    expect(view.menu).toContainEqual({ kind: 'action', label: 'Stuck: legacy/report', action: { type: 'open-run', runId: 'legacy:41/run', view: 'queue' }, enabled: true })
    // The mirror may update the row while it runs on: still stuck, still to look at.
    model.applyEvent('job.changed', { job: job('legacy:41', 'running', { type: 'legacy/report', source: 'legacy', sourceId: '41', lastRunId: 'legacy:41/run' }) })
    expect(trayView(model.facts).image).toBe('attention')
    model.applyEvent('job.changed', { job: job('J2', 'failed', { lastRunId: 'R2' }) })
    view = trayView(model.facts)
    expect(view.tooltip).toBe('0 running · 0 queued · 1 failed · 1 stuck')
    expect(labels(view.menu)).toContain('1 failed, 1 stuck — show the last')
    // Marked failed at last: now a failure like any other.
    model.applyEvent('job.changed', { job: job('legacy:41', 'failed', { type: 'legacy/report', lastRunId: 'legacy:41/run' }) })
    expect(trayView(model.facts).tooltip).toBe('0 running · 0 queued · 2 failed')
    model.markSeen()
    expect(trayView(model.facts).image).toBe('idle')
    // A stuck row that finishes fine is no longer one to look at.
    model.applyEvent('run.stuck', { ...stuck, runId: 'legacy:43/run', jobId: 'legacy:43' })
    model.applyEvent('job.changed', { job: job('legacy:43', 'succeeded', { type: 'legacy/report' }) })
    expect(trayView(model.facts).image).toBe('idle')
  })
})

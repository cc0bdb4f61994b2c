import { afterEach, describe, expect, it, vi } from 'vitest'
import { FakeNotification, FakeTray, resetFakeElectron } from './test-support/fake-electron'
import { Notifier } from './notifier'
import { menuLabel, resourcesDir, TrayController, trayImageFile } from './tray'
import { TrayModel, trayView, type TrayAction } from './tray-state'
import { job, status } from './test-support/domain-objects'

vi.mock('electron', async () => (await import('./test-support/fake-electron')).fakeElectron(new Set(['tray-offline.png'])))

afterEach(() => resetFakeElectron())

describe('tray images', () => {
  it('takes 16 px images (with @2x) on Windows and macOS, 32 px on Linux, unpacked beside app.asar', () => {
    expect(trayImageFile('attention', 'win32')).toBe('tray-attention.png')
    expect(trayImageFile('attention', 'darwin')).toBe('tray-attention.png')
    expect(trayImageFile('attention', 'linux')).toBe('tray-attention-32.png')
    expect(resourcesDir('/opt/Jobdeck/resources/app.asar').replaceAll('\\', '/')).toBe('/opt/Jobdeck/resources/app.asar.unpacked/resources')
    expect(resourcesDir('/home/me/jobdeck').replaceAll('\\', '/')).toBe('/home/me/jobdeck/resources')
  })

  it('keeps a & in a job title from becoming a mnemonic on Windows and Linux', () => {
    expect(menuLabel('R&D export — 40%', 'win32')).toBe('R&&D export — 40%')
    expect(menuLabel('R&D export', 'darwin')).toBe('R&D export')
  })
})

describe('TrayController', () => {
  it('creates the tray once, changes image and tooltip with the state, and sets a new menu on every change (Linux)', () => {
    const actions: TrayAction[] = []
    const controller = new TrayController({ resourcesDir: '/res', platform: 'linux', onAction: (a) => actions.push(a), log: () => {} })
    const model = new TrayModel()
    model.applyStatus(status([]))
    controller.render(trayView(model.facts))
    model.applyStatus(status([['R1', 40]], 3))
    controller.render(trayView(model.facts))
    controller.render(trayView(model.facts)) // nothing changed: nothing redone
    model.applyEvent('job.changed', { job: job('J1', 'failed', { lastRunId: 'R1' }) })
    controller.render(trayView(model.facts))

    expect(FakeTray.all).toHaveLength(1)
    const tray = FakeTray.all[0]!
    expect(tray.images.map((p) => p.replaceAll('\\', '/'))).toEqual(['/res/tray-idle-32.png', '/res/tray-running-32.png', '/res/tray-attention-32.png'])
    expect(tray.tooltips).toEqual(['0 running · 0 queued', '1 running · 3 queued', '1 running · 3 queued · 1 failed'])
    expect(tray.menus).toHaveLength(3)
    expect(tray.menus[2]!.map((i) => i.label ?? '---')).toEqual([
      'Show Jobdeck',
      '---',
      'report — 40%',
      '3 jobs queued',
      'Failed: report',
      '---',
      'Pause runner',
      '---',
      'Quit Jobdeck',
    ])

    tray.click('report — 40%')
    tray.click('Failed: report')
    tray.click('Pause runner')
    tray.click('Quit Jobdeck')
    tray.click('Show Jobdeck')
    tray.emit('click')
    expect(actions).toEqual([
      { type: 'open-run', runId: 'R1', view: 'queue' },
      { type: 'open-run', runId: 'R1', view: 'history' },
      { type: 'pause' },
      { type: 'quit' },
      { type: 'show' },
      { type: 'show' },
    ])
    controller.destroy()
    expect(tray.destroyed).toBe(true)
  })

  it('says which tray image it could not load', () => {
    const log = vi.fn()
    const controller = new TrayController({ resourcesDir: '/res', platform: 'win32', onAction: () => {}, log })
    const model = new TrayModel()
    model.applyStatus(status([]))
    model.applyEvent('connection.changed', {
      connection: { mode: 'shared', status: 'offline', url: null, source: null, error: null, offlineSince: null, lastSyncAt: null, outboxPending: 0, retryAt: null },
    })
    controller.render(trayView(model.facts))
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/tray image missing or unreadable: .*tray-offline\.png/))
  })
})

describe('Notifier', () => {
  it('shows a notification whose click opens its route, with urgency on Linux and a replacing id elsewhere', () => {
    const clicks: Array<string | null> = []
    const linux = new Notifier({ onClick: (t) => clicks.push(t), platform: 'linux', icon: '/res/icon.png' })
    linux.show({ title: 'Daily report failed', body: 'exit code 3', target: '/history?run=R1', urgency: 'critical', tag: 'failure:J1' })
    const shown = FakeNotification.all[0]!
    expect(shown.options).toEqual({ title: 'Daily report failed', body: 'exit code 3', icon: '/res/icon.png', urgency: 'critical' })
    expect(shown.shown).toBe(1)
    shown.emit('click')
    expect(clicks).toEqual(['/history?run=R1'])

    new Notifier({ onClick: (t) => clicks.push(t), platform: 'win32' }).show({ title: 'Hint', body: 'b', tag: 'failures' })
    expect(FakeNotification.all[1]!.options).toEqual({ title: 'Hint', body: 'b', id: 'failures' })
    FakeNotification.all[1]!.emit('click')
    expect(clicks).toEqual(['/history?run=R1', null])
  })

  it('does nothing (once said) where notifications are not supported', () => {
    FakeNotification.supported = false
    const log = vi.fn()
    const notifier = new Notifier({ onClick: () => {}, log })
    expect(notifier.show({ title: 't', body: 'b' })).toBe(false)
    expect(notifier.show({ title: 't', body: 'b' })).toBe(false)
    expect(FakeNotification.all).toHaveLength(0)
    expect(log).toHaveBeenCalledTimes(1)
  })
})

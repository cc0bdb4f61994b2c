import { describe, expect, it } from 'vitest'
import { FakeDesktopBridge } from '../../test-support/fake-bridge'
import { copyDiagnostics, openLogsFolder } from './logs-card'

describe('Settings → Logs', () => {
  it('opens the logs folder and says which', async () => {
    const bridge = new FakeDesktopBridge()
    expect(await openLogsFolder(bridge)).toEqual({ ok: true, text: 'Opened /home/op/.config/Jobdeck/logs' })
    bridge.opened = { ok: false, error: { code: 'unavailable', message: 'could not open the logs folder /x: no file manager; open it from a file manager' } }
    expect(await openLogsFolder(bridge)).toEqual({ ok: false, text: 'could not open the logs folder /x: no file manager; open it from a file manager' })
    expect(bridge.calls).toEqual(['openLogs', 'openLogs'])
  })

  it('copies the diagnostics as text with versions, paths, mode and the log lines, and confirms', async () => {
    const bridge = new FakeDesktopBridge()
    const copied: string[] = []
    const outcome = await copyDiagnostics(bridge, async (text) => (copied.push(text), true))
    expect(outcome).toEqual({ ok: true, text: 'Copied: versions, paths and the last 1 log line' })
    expect(copied).toHaveLength(1)
    const text = copied[0]!
    for (const part of ['electron: 45.3.4', 'sqlite: 3.50.4', 'mode: local', 'config: /home/op/.config/Jobdeck/jobdeck.yaml', 'log file: /home/op/.config/Jobdeck/logs/main.log', 'engine[4242]: serving']) {
      expect(text).toContain(part)
    }
  })

  it('says so when the clipboard refuses or the main process fails, copying nothing half-made', async () => {
    const bridge = new FakeDesktopBridge()
    expect(await copyDiagnostics(bridge, async () => false)).toEqual({ ok: false, text: 'Could not write to the clipboard; try again' })
    bridge.diagnosis = new Error('the window is closing')
    const copied: string[] = []
    expect(await copyDiagnostics(bridge, async (text) => (copied.push(text), true))).toEqual({ ok: false, text: 'Could not collect the diagnostics: the window is closing' })
    expect(copied).toEqual([])
  })
})

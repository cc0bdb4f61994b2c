// What Settings → Logs does, apart from its drawing (tested with a fake desktop bridge): open the
// folder of the app's log files, and copy the diagnostics as text; each says what happened.
import type { DesktopBridge } from '../../../src-shared/bridge'
import { diagnosticsText } from '../../../src-shared/desktop'

export interface LogsOutcome {
  ok: boolean
  text: string
}

export async function openLogsFolder(bridge: Pick<DesktopBridge, 'openLogs'>): Promise<LogsOutcome> {
  try {
    const result = await bridge.openLogs()
    return result.ok ? { ok: true, text: `Opened ${result.value.folder}` } : { ok: false, text: result.error.message }
  } catch (e) {
    return { ok: false, text: `Could not open the logs folder: ${(e as Error).message}` }
  }
}

export async function copyDiagnostics(bridge: Pick<DesktopBridge, 'diagnostics'>, copy: (text: string) => Promise<boolean>): Promise<LogsOutcome> {
  try {
    const result = await bridge.diagnostics()
    if (!result.ok) return { ok: false, text: `Could not collect the diagnostics: ${result.error.message}` }
    const lines = result.value.logTail.length
    if (!(await copy(diagnosticsText(result.value)))) return { ok: false, text: 'Could not write to the clipboard; try again' }
    return { ok: true, text: `Copied: versions, paths and the last ${lines} log line${lines === 1 ? '' : 's'}` }
  } catch (e) {
    return { ok: false, text: `Could not collect the diagnostics: ${(e as Error).message}` }
  }
}

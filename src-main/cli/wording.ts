// How the CLI words what the engine sends as data: why a job waits (with what to type to clear
// it), in the terminal's 24 h clock. The window words the same data in src-renderer/wording.ts.
import { gateText, type WaitReason } from '../../src-shared/wait-reason'
import { localTime } from './output'

/** `17:00:15` today, else `2026-01-31 17:00:15`. */
export function clockOrDate(iso: string, now = Date.now()): string {
  const full = localTime(iso)
  return full.slice(0, 10) === localTime(new Date(now).toISOString()).slice(0, 10) ? full.slice(11) : full
}

export function waitReasonText(reason: WaitReason, now = Date.now()): string {
  switch (reason.kind) {
    case 'unknown-type':
      return `type "${reason.type}" is not in the config; add it back or cancel this job (jobdeck cancel ID)`
    case 'retrying':
      return `retrying at ${clockOrDate(reason.at, now)} after a failed attempt${reason.error ? `: ${reason.error}` : ''}`
    case 'no-runner':
      return reason.shared
        ? 'no runner shares this queue right now (start one with `jobdeck run --pg …` or the app)'
        : 'no runner is running on this data dir (start one with `jobdeck run` or the app)'
    case 'paused':
      return 'runner paused (resume with `jobdeck resume`)'
    case 'gate':
      return gateText(reason.gate)
    case 'lane-busy':
      return `lane ${reason.lane} busy: ${reason.running} running (limit ${reason.limit})`
    case 'behind':
      return `behind ${reason.ahead} earlier job${reason.ahead === 1 ? '' : 's'} in lane ${reason.lane}`
    case 'runner-busy':
      return `runner busy: ${reason.running} of ${reason.concurrency} concurrent runs (runner.concurrency)`
    case 'starting':
      return 'starting'
  }
}

// How the window words what the engine sends as data: why a job waits (with what to do here, in
// the window's 24 h clock), a job type as its title with its name, an id in its short form. The
// CLI words the same data in src-main/cli/wording.ts; words that need neither a clock nor a
// surface (durations, attempts, the resource gate) live in src-shared and serve both.
import { gateText, type WaitReason } from '../src-shared/wait-reason'
import { clockTime } from './format'

export function waitReasonText(reason: WaitReason): string {
  switch (reason.kind) {
    case 'unknown-type':
      return `type "${reason.type}" is not in the config: add it back (Settings shows the file) or cancel this job`
    case 'retrying':
      return `retrying at ${clockTime(reason.at)} after a failed attempt${reason.error ? `: ${reason.error}` : ''}`
    case 'no-runner':
      return reason.shared
        ? 'no runner shares this queue right now: start the app or `jobdeck run --pg …` on a machine'
        : 'no runner holds this data dir: start the app or `jobdeck run`'
    case 'paused':
      return 'runner paused: press Resume (P)'
    case 'gate':
      return gateText(reason.gate)
    case 'lane-busy':
      return `lane ${reason.lane} busy: ${reason.running} running (limit ${reason.limit})`
    case 'behind':
      return `behind ${reason.ahead} earlier job${reason.ahead === 1 ? '' : 's'} in lane ${reason.lane}`
    case 'runner-busy':
      return `runner busy: ${reason.running} of ${reason.concurrency} running`
    case 'starting':
      return 'starting'
  }
}

/** The one short form of an id in lists: its last 8 characters (a ULID's random part), after `…`. */
export function shortId(id: string): string {
  return id.length <= 12 ? id : `…${id.slice(-8)}`
}

/** `Fetch prospects (fetch-prospects)`: a type's title with its name, for tooltips and messages. */
export function typeLabel(name: string, title: string | null | undefined): string {
  return title && title !== name ? `${title} (${name})` : name
}

// ── the Queue view's counts and states ─────────────────────────────────────────────────────

/** `8 failed in the last 24 h`, `10,000+ failed in the last 24 h`: what the count counts, over what window. */
export function failureCountText(count: number, capped: boolean): string {
  return `${count.toLocaleString('en-US')}${capped ? '+' : ''} failed in the last 24 h`
}

/** The empty Queue: a first job only while none has run yet; after that, simply a job. */
export function emptyQueueText(finishedCount: number): { heading: string; lead: string; addLabel: string; history: string | null } {
  const first = finishedCount === 0
  return {
    heading: 'Nothing is queued',
    lead: `Add ${first ? 'the first job' : 'a job'} from a form (N), paste many at once with Bulk add, or from a terminal:`,
    addLabel: first ? 'Add the first job' : 'Add a job',
    history: first ? null : `${finishedCount.toLocaleString('en-US')} finished job${finishedCount === 1 ? ' is' : 's are'} in History.`,
  }
}

/** The line beside the Queue's title: the runner's state with what runs and waits. */
export function queueStateLine(state: string, running: number, waiting: number): string {
  switch (state) {
    case 'running':
      return `Running ${running} · ${waiting} waiting`
    case 'paused':
      return running > 0 ? `Paused: ${running} running will finish, nothing new starts · ${waiting} waiting` : `Paused: nothing new starts · ${waiting} waiting`
    case 'idle':
      return waiting > 0 ? `Waiting: nothing can start now · ${waiting} waiting` : 'Idle · nothing waiting'
    case 'stopped':
      return 'Stopped: no runner holds this data dir, so nothing starts'
  }
  return ''
}

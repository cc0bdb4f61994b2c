// How the window words what the engine sends as data: why a job waits (with what to do here, in
// the window's 24 h clock), a job type as its title with its name, an id in its short form. The
// CLI words the same data in src-main/cli/wording.ts; words that need neither a clock nor a
// surface (durations, attempts, the resource gate) live in src-shared and serve both.
import { isUntilLifted, SNOOZE_UNTIL_LIFTED, type AlertDelivery, type AlertSnooze } from '../src-shared/alerts'
import type { ApiMethod } from '../src-shared/api'
import type { RunnerStatus } from '../src-shared/domain'
import type { ConcurrencyChange } from '../src-shared/monitor'
import type { SourceInfo, StartKind } from '../src-shared/sources'
import { gateText, type GateBlock, type WaitReason } from '../src-shared/wait-reason'
import { absoluteTime, clockTime } from './format'

/**
 * Why a job waits; what to do about it only when this window's role can do it (`can`, from
 * useAccess): a viewer reads "runner paused", not an instruction to press a button it does not have.
 */
export function waitReasonText(reason: WaitReason, can: (method: ApiMethod) => boolean): string {
  switch (reason.kind) {
    case 'unknown-type':
      return can('jobs.cancel')
        ? `type "${reason.type}" is not in the config: add it back (Settings shows the file) or cancel this job`
        : `type "${reason.type}" is not in the config`
    case 'retrying':
      return `retrying at ${clockTime(reason.at)} after a failed attempt${reason.error ? `: ${reason.error}` : ''}`
    case 'no-runner':
      return reason.shared
        ? 'no runner shares this queue right now: start the app or `jobdeck run --pg …` on a machine'
        : 'no runner holds this data dir: start the app or `jobdeck run`'
    case 'paused':
      return can('runner.resume') ? 'runner paused: press Resume (P)' : 'runner paused'
    case 'gate':
      return gateText(reason.gate)
    case 'lane-busy':
      return `lane ${reason.lane} busy: ${reason.running} running (limit ${reason.limit})`
    case 'behind':
      return `behind ${reason.ahead} earlier job${reason.ahead === 1 ? '' : 's'} in lane ${reason.lane}`
    case 'runner-busy':
      return `runner busy: ${reason.running} of ${reason.concurrency} running${reason.max !== undefined && reason.max > reason.concurrency ? ` (concurrency ${reason.concurrency} of ${reason.max}${reason.reason ? `: ${reason.reason}` : ''})` : ''}`
    case 'rate-limited':
      return `rate limit ${reason.rate}: next start at ${clockTime(reason.nextAt)}`
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
/** `canAdd`: the window's role may enqueue (a viewer is told where to look instead). */
export function emptyQueueText(finishedCount: number, canAdd = true): { heading: string; lead: string; addLabel: string; history: string | null } {
  const first = finishedCount === 0
  return {
    heading: 'Nothing is queued',
    lead: canAdd
      ? `Add ${first ? 'the first job' : 'a job'} from a form (N), paste many at once with Bulk add, or from a terminal:`
      : 'Nothing waits or runs. Your role reads only; someone with an operator token adds jobs, e.g. from a terminal:',
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

// ── History's counts ───────────────────────────────────────────────────────────────────────

const grouped = (n: number): string => n.toLocaleString('en-US')

/** `1 run`, `1,204 runs`, `more than 10,000 runs` (a count bounded at 10,000 says so). */
export function runCountText(count: number, capped: boolean): string {
  if (capped) return `more than ${grouped(count)} runs`
  return `${grouped(count)} ${count === 1 ? 'run' : 'runs'}`
}

/** `no matches`, `1 match`, `1,204 matches`, `more than 10,000 matches`. */
export function matchCountText(count: number, capped: boolean): string {
  if (capped) return `more than ${grouped(count)} matches`
  if (count === 0) return 'no matches'
  return `${grouped(count)} ${count === 1 ? 'match' : 'matches'}`
}

/** Where a search matched a run, for the snippet's tooltip. */
export function matchPlaceText(place: 'error' | 'stdout' | 'stderr'): string {
  return place === 'error' ? 'Every word is in its error' : `Every word is in one line of its output (${place})`
}

/**
 * A type's success rate and how it is defined: succeeded ÷ (succeeded + partial + failed).
 * Canceled and interrupted runs are not judged: the operator or the machine stopped them.
 */
export function successRateText(s: { succeeded: number; partial: number; failed: number; canceled: number; interrupted: number; successRate: number | null }): { rate: string; title: string } {
  const judged = s.succeeded + s.partial + s.failed
  const rate = s.successRate === null ? '—' : `${(s.successRate * 100).toFixed(s.successRate >= 0.995 || s.successRate === 0 ? 0 : 1)}%`
  const stopped = `Canceled (${grouped(s.canceled)}) and interrupted (${grouped(s.interrupted)}) runs are not counted: they were stopped, not judged.`
  const title =
    judged === 0
      ? `Success rate = succeeded ÷ (succeeded + partial + failed): no such run yet. ${stopped}`
      : `Success rate = succeeded ÷ (succeeded + partial + failed) = ${grouped(s.succeeded)} ÷ ${grouped(judged)}. ${stopped}`
  return { rate, title }
}

// ── sources: other systems' job tables mirrored into the cache ─────────────────────────────

/** Where a mirrored row comes from, for a badge's tooltip: `legacy: public.background_jobs, online, last sync 14:02:07`. */
export function sourceStateText(s: Pick<SourceInfo, 'name' | 'table' | 'status' | 'offlineSince' | 'lastSyncAt' | 'error'>): string {
  const synced = s.lastSyncAt ? `last sync ${absoluteTime(s.lastSyncAt)}` : 'not synced yet'
  switch (s.status) {
    case 'online':
      return `Mirrored from ${s.table} (source ${s.name}): online, ${synced}`
    case 'offline':
      return `Mirrored from ${s.table} (source ${s.name}): offline${s.offlineSince ? ` since ${absoluteTime(s.offlineSince)}` : ''}${s.error ? ` (${s.error})` : ''}; shown from the cache, ${synced}`
    case 'error':
      return `Mirrored from ${s.table} (source ${s.name}): not mirrored, ${s.error ?? 'an error'}; ${synced}`
    default:
      return `Mirrored from ${s.table} (source ${s.name}): connecting, ${synced}`
  }
}

/** The badge's own words beside the name: nothing while online, `offline · synced 14:02` otherwise. */
export function sourceBadgeSuffix(s: Pick<SourceInfo, 'status' | 'lastSyncAt'> | undefined): string {
  if (!s || s.status === 'online' || s.status === 'connecting') return ''
  const synced = s.lastSyncAt ? `synced ${clockTime(s.lastSyncAt).slice(0, 5)}` : 'never synced'
  return `${s.status === 'offline' ? 'offline' : 'error'} · ${synced}`
}

/** `stuck since 14:02:07: running past its stuckAfter`: why a source row is flagged. */
export function stuckText(stuckAt: string | number | null): string {
  return `Stuck: still running past its source's stuckAfter${stuckAt === null ? '' : ` (flagged ${absoluteTime(stuckAt)})`}. The other system may have lost it; its Run detail says what can be done.`
}

/** How a mirrored run's start is known, for tooltips and Run detail; null when its table recorded it. */
export function startKindText(kind: StartKind | undefined): string | null {
  if (kind === 'observed') return 'start observed by Jobdeck (its table records no start: the moment Jobdeck first saw it running)'
  if (kind === 'unknown') return 'start unknown (first seen already finished; drawn at its finish)'
  return null
}

/** `Mark failed in public.background_jobs` and its confirm: the one statement it runs, named. */
export function markFailedText(table: string, sourceId: string): { button: string; title: string; content: string; done: (rows: number) => string } {
  return {
    button: `Mark failed in ${table}`,
    title: `Mark row ${sourceId} of ${table} failed?`,
    content: `Jobdeck runs exactly one statement on the other system's table: UPDATE ${table} … WHERE id = ${/^\d+$/.test(sourceId) ? sourceId : `'${sourceId.replaceAll("'", "''")}'`}, setting its status to the failed value, and only while the row is still running there. Do it only if the worker that ran it is gone: a worker still running it would find it failed.`,
    done: (rows) =>
      rows === 1
        ? `Marked row ${sourceId} of ${table} failed (1 row updated).`
        : `No row changed in ${table}: row ${sourceId} is no longer running there (${rows} rows updated). The next sync shows its state.`,
  }
}

/** `1 running (1 stuck) · 2 waiting`: the Queue's source section, over all their rows. */
export function sourceCountText(c: { waiting: number; running: number; stuck: number }): string {
  return `${grouped(c.running)} running${c.stuck > 0 ? ` (${grouped(c.stuck)} stuck)` : ''} · ${grouped(c.waiting)} waiting`
}

// ── alerts: deliveries and snoozes ─────────────────────────────────────────────────────────

export type DeliveryTone = 'sent' | 'retrying' | 'waiting' | 'given-up'

/** A delivery's outcome: `sent` at 14:02:07, `retrying` at 14:02:37 with the last error, `given up` after N attempts. */
export function deliveryOutcome(d: Pick<AlertDelivery, 'status' | 'attempts' | 'sentAt' | 'nextAttemptAt' | 'lastError'>): { tone: DeliveryTone; label: string; detail: string } {
  const attempts = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`
  const error = d.lastError ? `: ${d.lastError}` : ''
  switch (d.status) {
    case 'sent':
      return { tone: 'sent', label: 'sent', detail: `${d.sentAt ? `at ${clockTime(d.sentAt)}` : ''}${d.attempts > 1 ? ` after ${attempts}` : ''}`.trim() }
    case 'failed':
      return { tone: 'given-up', label: 'given up', detail: `after ${attempts}${error}` }
    case 'pending':
      if (d.attempts === 0) return { tone: 'waiting', label: 'waiting', detail: d.nextAttemptAt ? `first try at ${clockTime(d.nextAttemptAt)}` : 'not tried yet' }
      return { tone: 'retrying', label: `retrying${d.nextAttemptAt ? ` at ${clockTime(d.nextAttemptAt)}` : ''}`, detail: `${attempts} failed${error}` }
  }
}

/** How long the window offers to snooze a job type's alerts (`ms: null`: until lifted). */
export const SNOOZE_CHOICES: ReadonlyArray<{ key: string; label: string; ms: number | null }> = [
  { key: '1h', label: 'for 1 h', ms: 3_600_000 },
  { key: '8h', label: 'for 8 h', ms: 8 * 3_600_000 },
  { key: '24h', label: 'for 24 h', ms: 24 * 3_600_000 },
  { key: 'lifted', label: 'until lifted', ms: null },
]

/** The `until` a snooze choice sends, from `now`. */
export function snoozeUntil(ms: number | null, now: number): string {
  return ms === null ? SNOOZE_UNTIL_LIFTED : new Date(now + ms).toISOString()
}

/** `until lifted`, `until 2026-03-01 18:00:00`. */
export function snoozeUntilText(until: string): string {
  return isUntilLifted(until) ? 'until lifted' : `until ${absoluteTime(until)}`
}

/** `Alerts of sync-inventory snoozed until 2026-03-01 18:00:00 (by ops)`. */
export function snoozeText(s: AlertSnooze): string {
  return `Alerts of ${s.type} snoozed ${snoozeUntilText(s.until)}${s.by ? ` (by ${s.by})` : ''}`
}

// ── start now, past the resource gate ──────────────────────────────────────────────────────

/**
 * The confirm of "Start now": which job (its type's title and short id: jobs of one type look
 * alike in the queue), what it does, what still holds, and the gate it passes.
 */
export function startNowText(title: string, jobId: string, gate: GateBlock | null): { button: string; title: string; content: string; done: string } {
  const why = gate ? ` (${gateText(gate)})` : ''
  const job = `${title} (job ${shortId(jobId)})`
  return {
    button: 'Start now',
    title: `Start ${job} now?`,
    content: `Start ${job} now, past the resource gate${why}? Lane and runner limits still apply. It passes the gate once; its run is marked "started past the resource gate", and the next jobs wait for the gate as before.`,
    done: `${job} passes the resource gate at its next start (lane and runner limits still apply).`,
  }
}

/** Run detail's note on a run started by "Start now". */
export const GATE_BYPASSED_TEXT = 'started past the resource gate (Start now)'

// ── adaptive concurrency ───────────────────────────────────────────────────────────────────

type ConcurrencyLimits = Pick<RunnerStatus['limits'], 'concurrency' | 'maxConcurrency' | 'adaptive' | 'concurrencyReason'>

/** The strip's words: `concurrency 2 of 4: CPU 85% over 80%` while adaptive concurrency holds the runner under its maximum; else null. */
export function concurrencyStripText(limits: ConcurrencyLimits): string | null {
  if (!limits.adaptive || limits.concurrency >= limits.maxConcurrency) return null
  return `concurrency ${limits.concurrency} of ${limits.maxConcurrency}${limits.concurrencyReason ? `: ${limits.concurrencyReason}` : ''}`
}

/** The Resources view's words, also at the maximum: `concurrency 4 of 4 (adaptive)`; null without adaptive concurrency. */
export function concurrencyStateText(limits: ConcurrencyLimits): string | null {
  if (!limits.adaptive) return null
  return concurrencyStripText(limits) ?? `concurrency ${limits.concurrency} of ${limits.maxConcurrency} (adaptive: at its maximum)`
}

/** One step, as the Timeline's host strip and Resources list it: `concurrency 4 → 3: CPU 85% over 80%`. */
export function concurrencyChangeText(c: Pick<ConcurrencyChange, 'from' | 'to' | 'reason'>): string {
  return `concurrency ${c.from} → ${c.to}${c.reason ? `: ${c.reason}` : ''}`
}

import { describe, expect, it } from 'vitest'
import { concurrencyChangeText, concurrencyStateText, concurrencyStripText, snoozeText, startNowText, emptyQueueText, failureCountText, markFailedText, matchCountText, runCountText, shortId, sourceCountText, startKindText, successRateText, typeLabel, waitReasonText } from './wording'
import { snippetParts } from './format'
import { roleCan } from './composables/access'
import { SNIPPET_CLOSE, SNIPPET_OPEN } from '../src-shared/search'

const as = (role: 'viewer' | 'operator' | 'admin') => (method: Parameters<typeof roleCan>[1]): boolean => roleCan(role, method)

describe('the window words what the engine sends as data', () => {
  it('issue 12: a retry time in the window\'s 24 h clock, not the server\'s "5:00:15 PM"', () => {
    const at = new Date(2026, 2, 1, 17, 0, 15).toISOString()
    expect(waitReasonText({ kind: 'retrying', at, error: null }, as('viewer'))).toBe('retrying at 17:00:15 after a failed attempt')
  })

  it('issue 12: a paused runner is resumed from the window, not by typing jobdeck resume', () => {
    const text = waitReasonText({ kind: 'paused' }, as('operator'))
    expect(text).toBe('runner paused: press Resume (P)')
    expect(text).not.toMatch(/jobdeck resume/)
  })

  it('issue 17: a role that cannot act reads why a job waits without being told to do it', () => {
    expect(waitReasonText({ kind: 'paused' }, as('viewer'))).toBe('runner paused')
    expect(waitReasonText({ kind: 'unknown-type', type: 'gone' }, as('viewer'))).toBe('type "gone" is not in the config')
    expect(waitReasonText({ kind: 'unknown-type', type: 'gone' }, as('operator'))).toMatch(/: add it back .* or cancel this job$/)
  })

  it('says what a count counts and over what window', () => {
    expect(failureCountText(8, false)).toBe('8 failed in the last 24 h')
    expect(failureCountText(10_000, true)).toBe('10,000+ failed in the last 24 h')
  })

  it('issue 12: "Add the first job" only before any job has run', () => {
    expect(emptyQueueText(0).addLabel).toBe('Add the first job')
    expect(emptyQueueText(3)).toMatchObject({ addLabel: 'Add a job', history: '3 finished jobs are in History.' })
    expect(emptyQueueText(3, false).lead).toBe('Nothing waits or runs. Your role reads only; someone with an operator token adds jobs, e.g. from a terminal:')
  })

  it('one short form of an id, and a type as its title with its name', () => {
    expect(shortId('01KAQ5Z5G7VY7R2D7B8G6VQ1TQ')).toBe('…8G6VQ1TQ')
    expect(typeLabel('fetch-prospects', 'Fetch prospects')).toBe('Fetch prospects (fetch-prospects)')
    expect(typeLabel('nap', null)).toBe('nap')
  })
})

describe("History's counts, snippets and success rate", () => {
  it('says match and run in the singular for one, groups thousands, and says when a count stopped', () => {
    expect([matchCountText(0, false), matchCountText(1, false), matchCountText(1204, false), matchCountText(10_000, true)]).toEqual([
      'no matches', '1 match', '1,204 matches', 'more than 10,000 matches',
    ])
    expect([runCountText(1, false), runCountText(1_000_000, false), runCountText(10_000, true)]).toEqual(['1 run', '1,000,000 runs', 'more than 10,000 runs'])
  })

  it('splits a snippet on the private markers into text parts, never HTML', () => {
    const snippet = `…<img src=x onerror=alert(1)> ${SNIPPET_OPEN}warehouse${SNIPPET_CLOSE} north ${SNIPPET_OPEN}unavail${SNIPPET_CLOSE}able…`
    expect(snippetParts(snippet)).toEqual([
      { text: '…<img src=x onerror=alert(1)> ', mark: false },
      { text: 'warehouse', mark: true },
      { text: ' north ', mark: false },
      { text: 'unavail', mark: true },
      { text: 'able…', mark: false },
    ])
    expect(snippetParts(`a ${SNIPPET_CLOSE}b ${SNIPPET_OPEN}c`)).toEqual([{ text: 'a ', mark: false }, { text: 'b ', mark: false }, { text: 'c', mark: true }])
  })

  it('defines the success rate where it is shown: three succeeded and three canceled is 100 % of 3 judged', () => {
    const six = { succeeded: 3, partial: 0, failed: 0, canceled: 3, interrupted: 0, successRate: 1 }
    const { rate, title } = successRateText(six)
    expect(rate).toBe('100%')
    expect(title).toBe('Success rate = succeeded ÷ (succeeded + partial + failed) = 3 ÷ 3. Canceled (3) and interrupted (0) runs are not counted: they were stopped, not judged.')
    expect(successRateText({ ...six, succeeded: 0, successRate: null }).rate).toBe('—')
  })

  it("issue 15: Mark failed's confirm names the table and the row's id as the statement does (a text id quoted)", () => {
    const w = markFailedText('public.background_jobs', '42')
    expect(w.button).toBe('Mark failed in public.background_jobs')
    expect(w.content).toContain('UPDATE public.background_jobs … WHERE id = 42,')
    expect(markFailedText('public.batch_jobs', "b-7'x").content).toContain("WHERE id = 'b-7''x'")
    expect(w.done(1)).toBe('Marked row 42 of public.background_jobs failed (1 row updated).')
    expect(w.done(0)).toMatch(/^No row changed in public\.background_jobs: row 42 is no longer running there/)
  })

  it('issue 15: counts of the Queue\'s source section and how a start is known', () => {
    expect(sourceCountText({ waiting: 1200, running: 3, stuck: 1 })).toBe('3 running (1 stuck) · 1,200 waiting')
    expect(sourceCountText({ waiting: 0, running: 0, stuck: 0 })).toBe('0 running · 0 waiting')
    expect(startKindText('recorded')).toBeNull()
    expect(startKindText('observed')).toMatch(/^start observed by Jobdeck/)
    expect(startKindText('unknown')).toMatch(/^start unknown/)
  })
})

describe('issue 16: start now, snoozes and adaptive concurrency in words', () => {
  it('the confirm of Start now names the job, says what it does, the gate it passes, and what still applies', () => {
    const words = startNowText('Rebuild report', '01KAQ5Z5G7VY7R2D7B8G6VQ1TQ', { kind: 'memory', freeBytes: 512 * 1024 ** 2, needsBytes: 2 * 1024 ** 3 })
    // Which job: two jobs of one type look alike in the queue.
    expect(words.title).toBe('Start Rebuild report (job …8G6VQ1TQ) now?')
    expect(words.content).toMatch(/^Start Rebuild report \(job …8G6VQ1TQ\) now, past the resource gate \(waiting for memory: .+\)\? Lane and runner limits still apply\./)
  })

  it('a snooze until a time, or until lifted', () => {
    expect(snoozeText({ type: 'sync-inventory', until: '9999-12-31T00:00:00.000Z', by: null })).toBe('Alerts of sync-inventory snoozed until lifted')
    expect(snoozeText({ type: 'sync-inventory', until: new Date(2026, 2, 1, 18, 0, 0).toISOString(), by: 'ops' })).toBe('Alerts of sync-inventory snoozed until 2026-03-01 18:00:00 (by ops)')
  })

  it('the strip speaks of concurrency only while adaptive concurrency holds it under the maximum; Resources always when adaptive', () => {
    const limits = { concurrency: 2, maxConcurrency: 4, adaptive: true, concurrencyReason: 'CPU 85% over 80%' }
    expect(concurrencyStripText(limits)).toBe('concurrency 2 of 4: CPU 85% over 80%')
    expect(concurrencyStripText({ ...limits, concurrency: 4, concurrencyReason: null })).toBeNull()
    expect(concurrencyStripText({ ...limits, adaptive: false })).toBeNull()
    expect(concurrencyStateText({ ...limits, concurrency: 4, concurrencyReason: null })).toBe('concurrency 4 of 4 (adaptive: at its maximum)')
    expect(concurrencyStateText({ ...limits, adaptive: false, concurrency: 4 })).toBeNull()
    expect(concurrencyChangeText({ from: 4, to: 3, reason: 'CPU 85% over 80%' })).toBe('concurrency 4 → 3: CPU 85% over 80%')
  })
})

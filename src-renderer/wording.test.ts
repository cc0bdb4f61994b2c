import { describe, expect, it } from 'vitest'
import { emptyQueueText, failureCountText, shortId, typeLabel, waitReasonText } from './wording'

describe('the window words what the engine sends as data', () => {
  it('issue 12: a retry time in the window\'s 24 h clock, not the server\'s "5:00:15 PM"', () => {
    const at = new Date(2026, 2, 1, 17, 0, 15).toISOString()
    expect(waitReasonText({ kind: 'retrying', at, error: null })).toBe('retrying at 17:00:15 after a failed attempt')
  })

  it('issue 12: a paused runner is resumed from the window, not by typing jobdeck resume', () => {
    const text = waitReasonText({ kind: 'paused' })
    expect(text).toBe('runner paused: press Resume (P)')
    expect(text).not.toMatch(/jobdeck resume/)
  })

  it('says what a count counts and over what window', () => {
    expect(failureCountText(8, false)).toBe('8 failed in the last 24 h')
    expect(failureCountText(10_000, true)).toBe('10,000+ failed in the last 24 h')
  })

  it('issue 12: "Add the first job" only before any job has run', () => {
    expect(emptyQueueText(0).addLabel).toBe('Add the first job')
    expect(emptyQueueText(3)).toMatchObject({ addLabel: 'Add a job', history: '3 finished jobs are in History.' })
  })

  it('one short form of an id, and a type as its title with its name', () => {
    expect(shortId('01KAQ5Z5G7VY7R2D7B8G6VQ1TQ')).toBe('…8G6VQ1TQ')
    expect(typeLabel('fetch-prospects', 'Fetch prospects')).toBe('Fetch prospects (fetch-prospects)')
    expect(typeLabel('nap', null)).toBe('nap')
  })
})

import { describe, expect, it } from 'vitest'
import { NOTIFICATION_KINDS } from '../../../src-shared/desktop'
import { NOTIFICATION_ROWS, secretStatus, withTypeMuted } from './desktop-settings-view'

describe('desktop settings view', () => {
  it('has one row per notification kind', () => {
    expect(NOTIFICATION_ROWS.map((r) => r.kind)).toEqual([...NOTIFICATION_KINDS])
  })

  it('mutes and unmutes a type', () => {
    expect(withTypeMuted([], 'nightly', false)).toEqual(['nightly'])
    expect(withTypeMuted(['nightly', 'backup'], 'nightly', false)).toEqual(['backup', 'nightly'])
    expect(withTypeMuted(['nightly', 'backup'], 'nightly', true)).toEqual(['backup'])
  })

  it('words the secret storage state with an icon, not colour alone', () => {
    expect(secretStatus({ protection: 'insecure', backend: 'basic_text', summary: '' })).toEqual({ word: 'Not secure', icon: '!', tone: 'warn' })
    expect(secretStatus({ protection: 'secure', backend: null, summary: '' }).word).toBe('Encrypted')
    expect(secretStatus({ protection: 'none', backend: null, summary: '' }).tone).toBe('bad')
  })
})

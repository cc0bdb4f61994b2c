import { describe, expect, it } from 'vitest'
import { escapeLines, escapeTerminal, jsonText, term } from './terminal-text'

const HOSTILE = '\x1b]0;title\x07\x1b[31mred\r\nline2\t\u0085\u009b\x7f\u202eevil\u2066\0'

describe('terminal text', () => {
  it('shows every control and bidi character as a visible escape', () => {
    expect(escapeTerminal(HOSTILE)).toBe('\\x1b]0;title\\x07\\x1b[31mred\\r\\nline2\\t\\x85\\x9b\\x7f\\u202eevil\\u2066\\0')
    expect(escapeTerminal('plain text, ünïcode 😀')).toBe('plain text, ünïcode 😀')
    expect(escapeTerminal('a\tb\x1b', { tabs: true })).toBe('a\tb\\x1b')
  })

  it('term escapes the values, not the template', () => {
    expect(term`run ${'a\nb'} failed\n`).toBe('run a\\nb failed\n')
    expect(escapeLines('one\ntwo\x1b')).toBe('one\ntwo\\x1b')
  })

  it('JSON stays JSON with the same values, and holds no raw C1 or bidi character', () => {
    const value = { note: HOSTILE, list: ['\u2028', '\u202e'] }
    const text = jsonText(value, 2)
    expect(JSON.parse(text)).toEqual(value)
    // eslint-disable-next-line no-control-regex -- the point
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]/)
  })
})

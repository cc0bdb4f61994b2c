import { describe, expect, it } from 'vitest'
import { paramDefSchema } from './config-schema'
import { compilePattern, MAX_PATTERN_LENGTH } from './param-pattern'
import { validateParamValue } from './params'

function matches(pattern: string, value: string): boolean {
  const compiled = compilePattern(pattern)
  if (!compiled.ok) throw new Error(compiled.reason)
  return compiled.matches(value)
}

function refusal(pattern: string): string {
  const compiled = compilePattern(pattern)
  return compiled.ok ? 'accepted' : compiled.reason
}

describe('param patterns', () => {
  it('^(a+)+$ gives its verdict on 30 a and a "!" (a backtracking RegExp took seconds, doubling per character)', () => {
    expect(matches('^(a+)+$', `${'a'.repeat(30)}!`)).toBe(false)
    expect(matches('^(a+)+$', 'a'.repeat(30))).toBe(true)
    // The same through the param check the engine and the forms call, on the longest value allowed.
    const def = paramDefSchema.parse({ type: 'string', pattern: '^(a+)+$' })
    expect(validateParamValue('p', def, `${'a'.repeat(100_000)}!`).ok).toBe(false)
  })

  it('is a full match with the anchors of a JS RegExp without flags', () => {
    expect(matches('[0-9]{5}', '12345')).toBe(true)
    expect(matches('[0-9]{5}', '123456')).toBe(false)
    expect(matches('a|b', 'ab')).toBe(false)
    expect(matches('^a$', 'a')).toBe(true)
    // `$` is the end of the value, not a place before a final newline.
    expect(matches('^a$', 'a\n')).toBe(false)
    expect(matches('a.b', 'a\nb')).toBe(false)
  })

  it('takes a character as a code point and knows Unicode classes', () => {
    expect(matches('.{2}', 'a😀')).toBe(true)
    expect(matches('\\p{L}+', 'Zoë')).toBe(true)
    expect(matches('\\x{e9}', 'é')).toBe(true)
  })

  it('refuses what cannot run in linear time, saying what it is', () => {
    expect(refusal('(?=a)a')).toBe('look-ahead (?=…) is not supported (patterns run in linear time)')
    expect(refusal('x(?!a)')).toBe('look-ahead (?!…) is not supported (patterns run in linear time)')
    expect(refusal('(?<=a)b')).toBe('look-behind (?<=…) is not supported (patterns run in linear time)')
    expect(refusal('(?<!a)b')).toBe('look-behind (?<!…) is not supported (patterns run in linear time)')
    expect(refusal('(a)\\1')).toBe('backreference \\1 is not supported (patterns run in linear time)')
    expect(refusal('\\u00e9')).toBe('write a code point as \\x{00e9}, not \\u00e9')
    expect(refusal('[^]')).toBe('[^] is not supported; write (?s:.) for any character')
    expect(refusal('a{2000}')).toBe('invalid repeat count: `{2000}`')
    expect(refusal('a)(b')).toBe('unexpected ): `a)(b`')
  })

  it('refuses a pattern longer than the maximum', () => {
    expect(refusal('a'.repeat(MAX_PATTERN_LENGTH))).toBe('accepted')
    expect(refusal('a'.repeat(MAX_PATTERN_LENGTH + 1))).toBe('it is 1001 characters long; a pattern has at most 1000')
  })
})

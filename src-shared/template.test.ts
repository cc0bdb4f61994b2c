import { describe, expect, it } from 'vitest'
import { fillTemplate, parseTemplate, placeholders, substitute } from './template'

describe('placeholders', () => {
  it('lists each name once, in order of first use', () => {
    expect(placeholders('dealer:{dealer_id}/{from}-{dealer_id}')).toEqual(['dealer_id', 'from'])
  })

  it('treats {{ and }} as literal braces', () => {
    expect(placeholders('{{"a": {x}}}')).toEqual(['x'])
    expect(placeholders('{{not_a_param}}')).toEqual([])
  })

  it('returns nothing for plain text', () => {
    expect(placeholders('node')).toEqual([])
  })
})

describe('substitute', () => {
  it('fills values of every scalar type', () => {
    expect(substitute('--n={n} --b={b} --s={s}', { n: 42, b: false, s: 'a b' })).toBe('--n=42 --b=false --s=a b')
  })

  it('turns missing and undefined values into the empty string', () => {
    expect(substitute('[{a}][{b}]', { b: undefined })).toBe('[][]')
  })

  it('keeps escaped braces and malformed braces as text', () => {
    expect(substitute('{{{x}}}', { x: 1 })).toBe('{1}')
    expect(substitute('{x', { x: 1 })).toBe('{x')
    expect(substitute('a}b', {})).toBe('a}b')
    expect(substitute('{"k":1}', {})).toBe('{"k":1}')
  })

  it('does not read inherited properties', () => {
    expect(substitute('{toString}', {})).toBe('')
  })
})

describe('parseTemplate', () => {
  it('reports malformed braces with their offset', () => {
    expect(parseTemplate('ab{c').problems).toEqual([{ offset: 2, message: expect.stringContaining('unclosed "{"') }])
    expect(parseTemplate('a}').problems[0]?.message).toContain('unmatched "}"')
    expect(parseTemplate('{a b}').problems[0]?.message).toContain('is not a placeholder')
  })

  it('accepts well-formed templates without problems', () => {
    expect(parseTemplate('x-{a}-{{b}}').problems).toEqual([])
  })
})

describe('fillTemplate', () => {
  it('says where each value landed, after encoding', () => {
    expect(fillTemplate('/a/{x}/{y}{z}', { x: 'é', y: 'b', z: undefined }, encodeURIComponent)).toEqual({
      text: '/a/%C3%A9/b',
      spans: [
        { name: 'x', start: 3, end: 9 },
        { name: 'y', start: 10, end: 11 },
        { name: 'z', start: 11, end: 11 },
      ],
    })
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { laneEntry, matchesLanePattern } from './lane-pattern'

/** The reading the runner and the Timeline each had before: `*` as `.*`, the rest literal. */
function asRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${body}$`, 's')
}

describe('lane patterns', () => {
  it('a * covers any run of characters, none included, and the rest is literal', () => {
    expect(matchesLanePattern('dealer:*', 'dealer:42')).toBe(true)
    expect(matchesLanePattern('dealer:*', 'dealer:')).toBe(true)
    expect(matchesLanePattern('dealer:*', 'dealers:42')).toBe(false)
    expect(matchesLanePattern('*:eu', 'db:eu')).toBe(true)
    expect(matchesLanePattern('a*b*a', 'aba')).toBe(true)
    expect(matchesLanePattern('a*a', 'a')).toBe(false)
    expect(matchesLanePattern('x.y*', 'xzy1')).toBe(false)
    expect(matchesLanePattern('*', 'line\nbreak')).toBe(true)
    expect(matchesLanePattern('plain', 'plain')).toBe(true)
  })

  it('agrees with the regular expression reading on generated patterns and lanes', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ':', '.', '*', '\n'), maxLength: 12 })
    fc.assert(
      fc.property(text, text, (pattern, lane) => {
        const laneText = lane.replaceAll('*', 'a')
        expect(matchesLanePattern(pattern, laneText)).toBe(asRegExp(pattern).test(laneText))
      }),
      { numRuns: 3000 },
    )
  })

  it('takes the exact key first, then the first pattern in key order', () => {
    const lanes = { 'dealer:*': 2, 'dealer:7': 5, '*': 9 }
    expect(laneEntry(lanes, 'dealer:7')).toBe(5)
    expect(laneEntry(lanes, 'dealer:8')).toBe(2)
    expect(laneEntry(lanes, 'other')).toBe(9)
    expect(laneEntry({ a: 1 }, 'b')).toBeUndefined()
    expect(laneEntry({ a: 1 }, 'constructor')).toBeUndefined()
  })
})

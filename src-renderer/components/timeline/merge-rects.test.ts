import { describe, expect, it } from 'vitest'
import { mergeRects } from './merge-rects'

const rectsOf = (list: number[][]): Float32Array => new Float32Array(list.flat())
const listOf = (rects: Float32Array, count: number): number[][] => Array.from({ length: count }, (_, i) => Array.from(rects.subarray(i * 4, i * 4 + 4)))

describe('mergeRects', () => {
  it('draws rects that touch or overlap in one row as one, whatever order they came in; rows and gaps stay apart', () => {
    const rects = rectsOf([
      [30, 10, 5, 8], // row A, overlaps the next after sorting
      [0, 10, 10, 8], // row A
      [10.5, 10, 4, 8], // row A, within 1 px of the first
      [0, 40, 10, 8], // row B: same x, another row
      [20, 10, 2, 8], // row A, a gap of 5.5 px: apart
      [33, 10, 10, 8], // row A, overlaps 30..35
    ])
    const count = mergeRects(rects, 6, false)
    expect(listOf(rects, count)).toEqual([
      [0, 10, 14.5, 8],
      [20, 10, 2, 8],
      [30, 10, 13, 8],
      [0, 40, 10, 8],
    ])
  })

  it('drops a diamond within a pixel of the previous one in its row, keeps those further apart', () => {
    const rects = rectsOf([
      [100, 5, 9, 9],
      [100.6, 5, 9, 9],
      [104, 5, 9, 9],
      [100, 30, 9, 9],
    ])
    const count = mergeRects(rects, 4, true)
    expect(listOf(rects, count)).toEqual([
      [100, 5, 9, 9],
      [104, 5, 9, 9],
      [100, 30, 9, 9],
    ])
  })

  it('a day of fires every few seconds in one row becomes one band', () => {
    const list = Array.from({ length: 10_000 }, (_, i) => [i * 0.1, 10, 2, 8])
    const rects = rectsOf(list)
    const count = mergeRects(rects, list.length, false)
    expect(count).toBe(1)
    expect(rects[0]).toBeCloseTo(0)
    expect(rects[2]).toBeCloseTo(999.9 + 2, 1)
  })
})

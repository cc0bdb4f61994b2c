import { describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { heldChanges, stableRows, useStableList } from './stable-list'

const key = (x: { id: string }): string => x.id
const items = (...ids: string[]): Array<{ id: string; v?: number }> => ids.map((id) => ({ id }))

describe('stable list', () => {
  it('takes the fresh order when not frozen', () => {
    const rows = stableRows([], items('a', 'b'), key, false)
    expect(rows.map((r) => r.key)).toEqual(['a', 'b'])
    expect(stableRows(rows, items('b', 'a'), key, false).map((r) => r.key)).toEqual(['b', 'a'])
  })

  it('while frozen keeps places, marks rows that left, appends new ones, and updates values in place', () => {
    const before = stableRows([], items('a', 'b', 'c'), key, false)
    const frozen = stableRows(before, [{ id: 'c', v: 2 }, { id: 'a' }, { id: 'd' }], key, true)
    expect(frozen.map((r) => [r.key, r.gone])).toEqual([
      ['a', false],
      ['b', true],
      ['c', false],
      ['d', false],
    ])
    expect(frozen[2]?.item.v).toBe(2)
  })

  it('reorders once unfrozen', async () => {
    let source = items('a', 'b')
    const list = useStableList(() => source, key)
    expect(list.rows.value.map((r) => r.key)).toEqual(['a', 'b'])
    list.frozen.value = true
    source = items('b')
    // A new source array is only seen on recompute; frozen changes trigger it.
    list.frozen.value = false
    await nextTick()
    expect(list.rows.value.map((r) => r.key)).toEqual(['b'])
  })
})

describe('a frozen list says what it holds back', () => {
  it('issue 12: an urgent job that runs first is shown last while frozen, but numbered 1, not 9', () => {
    const before = stableRows([], items('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), key, false)
    const frozen = stableRows(before, items('urgent', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), key, true)
    expect(frozen.at(-1)).toMatchObject({ key: 'urgent', late: true, position: 1 })
    expect(frozen.slice(0, 3).map((r) => r.position)).toEqual([2, 3, 4])
    expect(heldChanges(frozen)).toBe(1)
  })

  it('counts rows gone, arrived and out of order', () => {
    const before = stableRows([], items('a', 'b', 'c', 'd'), key, false)
    const frozen = stableRows(before, items('d', 'a', 'c', 'x'), key, true)
    // b left, x arrived, d moved to the front.
    expect(frozen.map((r) => [r.key, r.position])).toEqual([
      ['a', 2],
      ['b', null],
      ['c', 3],
      ['d', 1],
      ['x', 4],
    ])
    expect(heldChanges(frozen)).toBe(3)
    expect(heldChanges(stableRows(frozen, items('d', 'a', 'c', 'x'), key, false))).toBe(0)
  })

  it('release shows the real order at once and holds still again from there', () => {
    let source = items('a', 'b')
    const list = useStableList(() => source, key)
    expect(list.rows.value.map((r) => r.key)).toEqual(['a', 'b'])
    list.frozen.value = true
    source = items('c', 'b', 'a')
    list.release()
    expect(list.rows.value.map((r) => r.key)).toEqual(['c', 'b', 'a'])
    expect(list.changes.value).toBe(0)
    source = items('b', 'a')
    // A new source array is only seen on recompute: another release makes one.
    list.release()
    expect(list.rows.value.map((r) => r.key)).toEqual(['b', 'a'])
  })
})

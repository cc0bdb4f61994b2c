import { describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { stableRows, useStableList } from './stable-list'

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

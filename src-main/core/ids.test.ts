import { decodeTime } from 'ulid'
import { describe, expect, it } from 'vitest'
import { newId } from './ids'

describe('ids', () => {
  it('ids made in one millisecond follow the order they were made in', () => {
    const at = Date.UTC(2026, 11, 6, 10, 0, 0)
    const ids = Array.from({ length: 1000 }, () => newId(at))
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as string))).toBe(true)
    expect(ids.every((id) => decodeTime(id) === at)).toBe(true)
  })

  it('an id for an earlier or later time carries that time, with a fresh random part', () => {
    const at = Date.UTC(2026, 11, 6, 10, 0, 0)
    const now = newId(at)
    const earlier = newId(at - 60_000)
    const later = newId(at + 1)
    expect(decodeTime(earlier)).toBe(at - 60_000)
    expect(earlier < now).toBe(true)
    expect(decodeTime(later)).toBe(at + 1)
    expect(new Set([now, earlier, later, newId(at), newId(at)]).size).toBe(5)
  })
})

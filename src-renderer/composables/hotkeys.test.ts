import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'

type Listener = (event: KeyboardEvent) => void
let listener: Listener | null = null
let dialogOpen = false
vi.stubGlobal('document', {
  addEventListener: (_: string, fn: Listener) => (listener = fn),
  querySelector: () => (dialogOpen ? {} : null),
})
const { focusSearch, isTypingTarget, keyName, useHotkey, useSearchFocus } = await import('./hotkeys')

/** A stand-in element: `closest` answers for the selectors the element matches. */
const element = (tag: string): EventTarget =>
  ({ isContentEditable: false, closest: (selector: string) => (selector.split(',').some((s) => s.trim().split(/[[:.]/)[0] === tag) ? {} : null) }) as unknown as EventTarget

function press(key: string, target: EventTarget = element('div'), extra: Partial<KeyboardEvent> = {}): { prevented: boolean } {
  const result = { prevented: false }
  const event = { key, target, ctrlKey: false, metaKey: false, altKey: false, isComposing: false, defaultPrevented: false, preventDefault: () => (result.prevented = true), ...extra }
  listener?.(event as unknown as KeyboardEvent)
  return result
}

describe('hotkeys', () => {
  afterEach(() => {
    dialogOpen = false
  })

  it('names letters case-insensitively and keeps named keys', () => {
    expect(keyName({ key: 'N' })).toBe('n')
    expect(keyName({ key: 'ArrowDown' })).toBe('ArrowDown')
  })

  it('fires for plain keys, not while typing, with modifiers, on buttons (Enter) or under a dialog', () => {
    const scope = effectScope()
    const n = vi.fn()
    const enter = vi.fn()
    scope.run(() => {
      useHotkey('n', n)
      useHotkey('Enter', enter)
    })
    expect(press('N').prevented).toBe(true)
    expect(n).toHaveBeenCalledTimes(1)
    press('n', element('input'))
    press('n', element('div'), { ctrlKey: true })
    dialogOpen = true
    press('n')
    dialogOpen = false
    expect(n).toHaveBeenCalledTimes(1)
    expect(press('Enter', element('button')).prevented).toBe(false)
    expect(enter).not.toHaveBeenCalled()
    press('Enter')
    expect(enter).toHaveBeenCalledTimes(1)
    scope.stop()
    press('n')
    expect(n).toHaveBeenCalledTimes(1)
    expect(isTypingTarget(element('textarea'))).toBe(true)
  })

  it('lets a handler decline a key, and Escape may work inside fields when asked', () => {
    const scope = effectScope()
    const esc = vi.fn(() => false)
    scope.run(() => useHotkey('Escape', esc, { inInputs: true }))
    expect(press('Escape', element('input')).prevented).toBe(false)
    expect(esc).toHaveBeenCalledTimes(1)
    scope.stop()
  })

  it('focuses the search box of the newest view that has one', () => {
    expect(focusSearch()).toBe(false)
    const a = vi.fn()
    const b = vi.fn()
    const outer = effectScope()
    outer.run(() => useSearchFocus(a))
    const inner = effectScope()
    inner.run(() => useSearchFocus(b))
    focusSearch()
    expect(b).toHaveBeenCalledTimes(1)
    inner.stop()
    focusSearch()
    expect(a).toHaveBeenCalledTimes(1)
    outer.stop()
  })
})

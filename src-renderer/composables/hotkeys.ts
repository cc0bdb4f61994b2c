// Keyboard shortcuts of UI.md: `N` new job, `/` focus search, `P` pause/resume, `Esc` closes the
// side panel, arrows move through rows, `Enter` opens the selected run. One document listener;
// components register keys for as long as they are mounted. Keys typed into a field, with a
// modifier, or while a dialog is open are left alone.
import { onScopeDispose } from 'vue'

export interface HotkeyOptions {
  /** Also fire while focus is in a text field (e.g. Escape). Default false. */
  inInputs?: boolean
  /** Also fire while a modal dialog is open. Default false. */
  inDialogs?: boolean
}

export type HotkeyHandler = (event: KeyboardEvent) => void | boolean

interface Binding {
  key: string
  handler: HotkeyHandler
  options: HotkeyOptions
}

/** Newest first: the most recently mounted component gets a key first. */
const bindings: Binding[] = []
let listening = false

/** True when the key went to something the operator types into. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false
  const element = target as HTMLElement
  if (element.isContentEditable) return true
  return element.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]') !== null
}

/** Enter and Space on a focused button or link belong to that control. */
export function isControlTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false
  return (target as Element).closest('button, a[href], [role="button"], [role="link"], [role="option"], [role="menuitem"], summary') !== null
}

/** A naive-ui modal (or drawer) is showing: its own keys win. */
export function isDialogOpen(): boolean {
  return document.querySelector('.n-modal-container .n-modal, .n-drawer-container .n-drawer') !== null
}

/** Normalises `KeyboardEvent.key`: letters lower-case, everything else as is. */
export function keyName(event: Pick<KeyboardEvent, 'key'>): string {
  return event.key.length === 1 ? event.key.toLowerCase() : event.key
}

function onKeydown(event: KeyboardEvent): void {
  if (event.defaultPrevented || event.isComposing) return
  if (event.ctrlKey || event.metaKey || event.altKey) return
  const key = keyName(event)
  const typing = isTypingTarget(event.target)
  if ((key === 'Enter' || key === ' ') && isControlTarget(event.target)) return
  const dialog = isDialogOpen()
  for (const binding of bindings) {
    if (binding.key !== key) continue
    if (typing && !binding.options.inInputs) continue
    if (dialog && !binding.options.inDialogs) continue
    // A handler returning false declines the key; the next binding may take it.
    if (binding.handler(event) === false) continue
    event.preventDefault()
    return
  }
}

/** Registers `key` (e.g. 'n', '/', 'Escape', 'ArrowDown') for the lifetime of the calling scope. */
export function useHotkey(key: string, handler: HotkeyHandler, options: HotkeyOptions = {}): void {
  const binding: Binding = { key: key.length === 1 ? key.toLowerCase() : key, handler, options }
  bindings.unshift(binding)
  if (!listening && typeof document !== 'undefined') {
    document.addEventListener('keydown', onKeydown)
    listening = true
  }
  onScopeDispose(() => {
    const index = bindings.indexOf(binding)
    if (index >= 0) bindings.splice(index, 1)
  })
}

// ── `/` focuses the search box of whatever view shows one ────────────────────────────────────

const searchTargets: Array<() => void> = []

/**
 * Makes `/` focus this view's search box, e.g. `useSearchFocus(() => input.value?.focus())`.
 * The most recently mounted one wins; it is forgotten when the component unmounts.
 */
export function useSearchFocus(focus: () => void): void {
  searchTargets.unshift(focus)
  onScopeDispose(() => {
    const index = searchTargets.indexOf(focus)
    if (index >= 0) searchTargets.splice(index, 1)
  })
}

/** Focuses the current search box; false when no view has one. */
export function focusSearch(): boolean {
  const focus = searchTargets[0]
  if (!focus) return false
  focus()
  return true
}

/** Esc closes a side panel, from anywhere; in a text field it first leaves the field. */
export function useEscapeToClose(close: () => void): void {
  useHotkey(
    'Escape',
    (event) => {
      if (isTypingTarget(event.target)) {
        ;(event.target as HTMLElement).blur()
        return true
      }
      close()
      return true
    },
    { inInputs: true },
  )
}

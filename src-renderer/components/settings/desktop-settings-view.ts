// The words and small decisions of DesktopSettings.vue, kept testable without a DOM.
import type { NotificationKind, SecretStorageState } from '../../../src-shared/desktop'

export const NOTIFICATION_ROWS: ReadonlyArray<{ kind: NotificationKind; label: string; detail: string }> = [
  { kind: 'failure', label: 'A job failed', detail: 'after its last retry; a burst is grouped into one notification' },
  { kind: 'health', label: 'Resources critical', detail: 'and when they recover' },
  { kind: 'connection', label: 'Database connection', detail: 'lost and restored (shared mode)' },
  { kind: 'overrun', label: 'A run takes unusually long', detail: "longer than its type's usual time × the overrun factor" },
]

/** The muted list after switching `type`'s notifications on or off (sorted, no duplicates). */
export function withTypeMuted(muted: readonly string[], type: string, notify: boolean): string[] {
  const next = new Set(muted)
  if (notify) next.delete(type)
  else next.add(type)
  return [...next].sort()
}

/** Status word, tone and icon of the secret storage line (never colour alone: UI.md). */
export function secretStatus(state: SecretStorageState): { word: string; icon: string; tone: 'good' | 'warn' | 'bad' } {
  switch (state.protection) {
    case 'secure':
      return { word: 'Encrypted', icon: '✓', tone: 'good' }
    case 'insecure':
      return { word: 'Not secure', icon: '!', tone: 'warn' }
    default:
      return { word: 'Unavailable', icon: '✕', tone: 'bad' }
  }
}

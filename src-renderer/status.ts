// One status language everywhere (UI.md): the same colour, icon and word for a status in tables,
// timeline bars, tray and notifications. Never colour alone: the word or icon is always there.
import type { JobStatus, RunStatus } from '../src-shared/domain'
import type { FireOutcome } from '../src-shared/schedules'

export type AnyStatus = JobStatus | RunStatus

export interface StatusLook {
  label: string
  /** A CSS custom property defined per theme in styles/tokens.css. */
  color: string
  /** A single glyph shown beside the word. */
  icon: string
  /** Drawn as an outline rather than filled (retrying waits, it does not run). */
  outline: boolean
}

export const STATUS_LOOK: Record<AnyStatus, StatusLook> = {
  queued: { label: 'queued', color: 'var(--status-queued)', icon: '○', outline: false },
  running: { label: 'running', color: 'var(--status-running)', icon: '▶', outline: false },
  succeeded: { label: 'succeeded', color: 'var(--status-succeeded)', icon: '✓', outline: false },
  partial: { label: 'partial', color: 'var(--status-partial)', icon: '◐', outline: false },
  failed: { label: 'failed', color: 'var(--status-failed)', icon: '✕', outline: false },
  canceled: { label: 'canceled', color: 'var(--status-canceled)', icon: '⊘', outline: false },
  interrupted: { label: 'interrupted', color: 'var(--status-interrupted)', icon: '↯', outline: false },
  retrying: { label: 'retrying', color: 'var(--status-retrying)', icon: '↻', outline: true },
}

/** Literal colours for canvas drawing (ECharts cannot read CSS variables). */
export const STATUS_HEX: Record<'light' | 'dark', Record<AnyStatus, string>> = {
  light: {
    queued: '#6b7280',
    running: '#2563eb',
    succeeded: '#15803d',
    partial: '#b45309',
    failed: '#dc2626',
    canceled: '#475569',
    interrupted: '#7c3aed',
    retrying: '#ea580c',
  },
  dark: {
    queued: '#9ca3af',
    running: '#60a5fa',
    succeeded: '#4ade80',
    partial: '#fbbf24',
    failed: '#f87171',
    canceled: '#94a3b8',
    interrupted: '#a78bfa',
    retrying: '#fb923c',
  },
}

/**
 * What became of a schedule's fire, in the same language: a word and a glyph beside the colour.
 * Enqueued is a success; skipped (the previous job still ran) a warning; missed (nothing ran at
 * its time) a failure of the schedule; paused and run now are the operator's own doing.
 */
export const FIRE_LOOK: Record<FireOutcome, { label: string; color: string; icon: string; hex: Record<'light' | 'dark', string> }> = {
  enqueued: { label: 'enqueued', color: 'var(--status-succeeded)', icon: '✓', hex: { light: STATUS_HEX.light.succeeded, dark: STATUS_HEX.dark.succeeded } },
  manual: { label: 'run now', color: 'var(--status-running)', icon: '▶', hex: { light: STATUS_HEX.light.running, dark: STATUS_HEX.dark.running } },
  skipped: { label: 'skipped', color: 'var(--status-partial)', icon: '↷', hex: { light: STATUS_HEX.light.partial, dark: STATUS_HEX.dark.partial } },
  missed: { label: 'missed', color: 'var(--status-failed)', icon: '✕', hex: { light: STATUS_HEX.light.failed, dark: STATUS_HEX.dark.failed } },
  paused: { label: 'paused', color: 'var(--status-canceled)', icon: '‖', hex: { light: STATUS_HEX.light.canceled, dark: STATUS_HEX.dark.canceled } },
}

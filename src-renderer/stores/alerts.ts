// Alerts as the window shows them (Settings → Alerts, the snooze menus): channels, rules, the last
// deliveries with their outcome and the snoozes (`alerts.list`), kept live by `alert.delivered`;
// and what an operator does with them: send a test to a channel, snooze a job type or lift it.
// Started by what shows alerts, so a window that never opens them never asks.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { AlertDelivery, AlertSnooze, AlertsOverview } from '../../src-shared/alerts'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'

/** Deliveries the card lists (newest first). */
export const DELIVERIES_SHOWN = 20

/** A "Send test" and what came of it, per channel. */
export type TestOutcome = { ok: true; delivery: AlertDelivery } | { ok: false; error: string }

export const useAlertsStore = defineStore('alerts', () => {
  const overview = shallowRef<AlertsOverview | null>(null)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  /** Channels with a test under way. */
  const testing = ref<ReadonlySet<string>>(new Set())
  const tests = ref<Record<string, TestOutcome>>({})
  let started = false

  async function load(): Promise<void> {
    try {
      overview.value = await call('alerts.list', { limit: DELIVERIES_SHOWN })
      loaded.value = true
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    }
  }

  // The outbox's depth and deliveries grouped meanwhile come with the next answer.
  const loadSoon = throttleTrailing(() => void load(), 1000)

  /** A delivery as it was tried: its row changes in place, a new one goes on top. */
  function upsert(delivery: AlertDelivery): void {
    const current = overview.value
    if (!current) return
    const rest = current.deliveries.filter((d) => d.id !== delivery.id)
    const known = rest.length < current.deliveries.length
    const deliveries = known ? current.deliveries.map((d) => (d.id === delivery.id ? delivery : d)) : [delivery, ...rest].slice(0, DELIVERIES_SHOWN)
    overview.value = { ...current, deliveries }
  }

  function start(): void {
    if (started) return
    started = true
    void load()
    on('alert.delivered', ({ delivery }) => {
      upsert(delivery)
      loadSoon()
    })
    on('config.changed', () => void load())
  }

  /** Configured at all: `alerts:` names channels or rules. */
  const configured = computed(() => (overview.value ? overview.value.channels.length > 0 || overview.value.rules.length > 0 : false))

  /** Snoozes still in force at `now`, by type. */
  function snoozesAt(now: number): Map<string, AlertSnooze> {
    return new Map((overview.value?.snoozes ?? []).filter((s) => Date.parse(s.until) > now).map((s) => [s.type, s]))
  }

  async function test(channel: string): Promise<TestOutcome> {
    testing.value = new Set([...testing.value, channel])
    let outcome: TestOutcome
    try {
      const delivery = await call('alerts.test', { channel })
      upsert(delivery)
      outcome = { ok: true, delivery }
    } catch (e) {
      outcome = { ok: false, error: (e as Error).message }
    } finally {
      const rest = new Set(testing.value)
      rest.delete(channel)
      testing.value = rest
    }
    tests.value = { ...tests.value, [channel]: outcome }
    return outcome
  }

  /** Holds back `type`'s alerts until `until` (ISO), or lifts its snooze (`null`); throws what the engine refused. */
  async function snooze(type: string, until: string | null): Promise<void> {
    const snoozes = await call('alerts.snooze', { type, until })
    if (overview.value) overview.value = { ...overview.value, snoozes }
  }

  return { overview, loaded, error, configured, testing, tests, start, load, snoozesAt, test, snooze }
})

// The alert rules' writes: rows and the watermark in one transaction, once per (key, channel),
// and never over a watermark another process on the same file moved meanwhile.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AlertPayload } from '../../../../src-shared/alerts'
import { finishJob, outboxRows } from '../../test-support/alert-history'
import { openTempStore, removeTempStore, type TempStore } from '../../test-support/temp-store'
import { AlertStore, STALE } from './alert-store'

let temp: TempStore
beforeEach(() => {
  temp = openTempStore('jobdeck-alert-store-')
})
afterEach(() => removeTempStore(temp))

const payload = (id: string): AlertPayload => ({ id, rule: 'failed', type: 't', title: 't failed', jobId: null, runId: null, status: 'failed', error: null, startedAt: null, finishedAt: null, count: 1 })

describe('AlertStore', () => {
  it('writes rows with the watermark and streaks, once per (key, channel); a stale page writes nothing', () => {
    const alerts = new AlertStore(temp.store)
    const from = alerts.watermark()
    const row = { key: 'failed:j1:r1', channel: 'ops', rule: 0, payload: payload('a') }
    expect(alerts.addAlerts([row, { ...row, channel: 'oncall' }], 1, { from, watermark: from + 5, streaks: { t: 1 } })).toBe(2)
    expect(alerts.addAlerts([row], 2, { from: from + 5, watermark: from + 6, streaks: { t: 2 } })).toBe(0)
    expect(alerts.watermark()).toBe(from + 6)
    // Read from the old watermark by a process that was slower: it must not move it back.
    expect(alerts.addAlerts([{ ...row, key: 'failed:j2:r2' }], 3, { from, watermark: from + 5, streaks: { t: 1 } })).toBe(STALE)
    expect(alerts.watermark()).toBe(from + 6)
    expect(alerts.streaks()).toEqual({ t: 2 })
    expect(outboxRows(temp.store).map((r) => `${r.key} ${r.channel}`)).toEqual(['failed:j1:r1 ops', 'failed:j1:r1 oncall'])
  })

  it('reads finished jobs past a watermark in seq order, with their run start; queued and retrying ones are not finished', () => {
    const alerts = new AlertStore(temp.store)
    const lo = alerts.watermark()
    const failed = finishJob(temp.store, { type: 't', outcome: 'failed', at: 10_000 })
    finishJob(temp.store, { type: 't', outcome: 'failed', at: 11_000, retry: true })
    const ok = finishJob(temp.store, { type: 'u', outcome: 'succeeded', at: 12_000 })
    const page = alerts.finishedBetween(lo, temp.store.currentSeq(), 10)
    expect(page.map((j) => [j.id, j.status, j.startedAt, j.finishedAt])).toEqual([
      [failed, 'failed', 9_000, 10_000],
      [ok, 'succeeded', 11_000, 12_000],
    ])
    expect(alerts.finishedBetween(lo, temp.store.currentSeq(), 1)).toHaveLength(1)
  })
})

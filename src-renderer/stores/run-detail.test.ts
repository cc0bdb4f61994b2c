import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { LogPage, RunDetail } from '../../src-shared/api'
import type { Job, LogLine, Run } from '../../src-shared/domain'
import { FakeBridge } from '../test-support/fake-bridge'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { LOG_CAP, useRunDetailStore } = await import('./run-detail')

const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString()
const run = (id: string, over: Partial<Run> = {}): Run =>
  ({ id, jobId: 'J1', type: 't', status: 'running', attempt: 1, params: {}, progress: { percent: null, current: null, total: null, message: null }, itemsOk: null, itemsFailed: null, startedAt: at(0), queuedAt: at(0), finishedAt: null, ...over }) as Run
const job = { id: 'J1', status: 'running', priority: 'normal', lane: 'default', createdAt: at(0) } as Job
const detail = (r: Run = run('R1')): RunDetail => ({ run: r, job, attempts: [r] })
const line = (n: number, runId = 'R1', stream: LogLine['stream'] = 'stdout'): LogLine => ({ runId, stream, at: at(n), text: `line ${n}` })
const page = (lines: LogLine[], firstId = 1, truncated = false): LogPage => ({ lines: lines.map((l, i) => ({ ...l, id: firstId + i })), truncated })

function answerRun(logPages: LogPage[] = [page([])]): void {
  bridge.answer('runs.get', () => detail())
  let callIndex = 0
  bridge.answer('runs.log', () => logPages[Math.min(callIndex++, logPages.length - 1)] as LogPage)
  bridge.answer('runs.usage', () => ({ runId: 'R1', points: [{ at: 1, cpuPercent: 5, rssBytes: 100 }], peakRssBytes: 100, cpuSeconds: 1 }))
}

describe('useRunDetailStore', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    bridge.reset()
  })

  it('loads the run, its output and its usage, then appends live lines of that run only', async () => {
    answerRun([page([line(1), line(2)], 1, true)])
    const store = useRunDetailStore()
    await store.open('R1')
    expect(store.detail?.run.id).toBe('R1')
    expect(store.lines.map((l) => l.text)).toEqual(['line 1', 'line 2'])
    expect(store.logTruncated).toBe(true)
    expect(store.usage).toHaveLength(1)
    bridge.emit('run.log', { lines: [line(3), line(4, 'OTHER'), line(5, 'R1', 'stderr')] })
    expect(store.lines.map((l) => l.text)).toEqual(['line 1', 'line 2', 'line 3', 'line 5'])
    expect(store.lines.at(-1)?.stream).toBe('stderr')
    bridge.emit('run.usage', { runId: 'R1', cpuPercent: 50, rssBytes: 200, cpuSeconds: 2, peakRssBytes: 200 })
    bridge.emit('run.usage', { runId: 'OTHER', cpuPercent: 50, rssBytes: 200, cpuSeconds: 2, peakRssBytes: 200 })
    expect(store.usage).toHaveLength(2)
    expect(store.peakRssBytes).toBe(200)
  })

  it('keeps at most logCap lines, dropping the oldest and counting them', async () => {
    answerRun([page([line(1), line(2), line(3)])])
    const store = useRunDetailStore()
    store.logCap = 4
    await store.open('R1')
    bridge.emit('run.log', { lines: [line(4), line(5), line(6)] })
    expect(store.lines.map((l) => l.text)).toEqual(['line 3', 'line 4', 'line 5', 'line 6'])
    expect(store.droppedLocally).toBe(2)
    const seqs = store.lines.map((l) => l.seq)
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
  })

  it('loads only the tail of a long log, and says how many older lines are not shown', async () => {
    answerRun([{ ...page([line(1), line(2)]), earlier: 12_345 }])
    const store = useRunDetailStore()
    await store.open('R1')
    expect(store.lines.map((l) => l.text)).toEqual(['line 1', 'line 2'])
    expect(store.droppedLocally).toBe(12_345)
    const logCalls = bridge.calls.filter((c) => c.method === 'runs.log').map((c) => c.args)
    expect(logCalls).toEqual([{ id: 'R1', tail: LOG_CAP }])
  })

  it('does not repeat lines announced while the stored output was loading', async () => {
    let release: (value: LogPage) => void = () => {}
    bridge.answer('runs.get', () => detail())
    bridge.answer('runs.log', () => new Promise<LogPage>((resolve) => (release = resolve)))
    bridge.answer('runs.usage', () => ({ runId: 'R1', points: [], peakRssBytes: null, cpuSeconds: null }))
    const store = useRunDetailStore()
    const opening = store.open('R1')
    await vi.waitFor(() => expect(bridge.count('runs.log')).toBe(1))
    // Line 2 is both stored (in the page) and announced; line 3 only announced.
    bridge.emit('run.log', { lines: [line(2), line(3)] })
    release(page([line(1), line(2)]))
    await opening
    expect(store.lines.map((l) => l.text)).toEqual(['line 1', 'line 2', 'line 3'])
  })

  it('applies progress in place and ignores answers for a run no longer shown', async () => {
    answerRun()
    const store = useRunDetailStore()
    await store.open('R1')
    bridge.emit('run.progress', { runId: 'R1', jobId: 'J1', progress: { percent: 40, current: null, total: null, message: 'half' }, itemsOk: 3, itemsFailed: 1 })
    expect(store.run?.progress.percent).toBe(40)
    expect(store.detail?.attempts[0]?.itemsFailed).toBe(1)
    store.close()
    expect(store.detail).toBeNull()
    bridge.emit('run.log', { lines: [line(9)] })
    expect(store.lines).toHaveLength(0)
  })

  it('says why a run could not be opened', async () => {
    bridge.answer('runs.get', () => {
      throw Object.assign(new Error('no job or run with id NOPE'), { code: 'not_found' })
    })
    const store = useRunDetailStore()
    await store.open('NOPE')
    expect(store.error).toEqual({ code: 'not_found', message: 'no job or run with id NOPE' })
    expect(bridge.count('runs.log')).toBe(0)
  })

  it('counts the output as loading from the moment the run is asked for', async () => {
    let release: (value: RunDetail) => void = () => {}
    bridge.answer('runs.get', () => new Promise<RunDetail>((resolve) => (release = resolve)))
    bridge.answer('runs.log', () => page([line(1)]))
    bridge.answer('runs.usage', () => ({ runId: 'R1', points: [], peakRssBytes: null, cpuSeconds: null }))
    const store = useRunDetailStore()
    const opening = store.open('R1')
    expect(store.logLoading).toBe(true)
    release(detail())
    await opening
    expect(store.logLoading).toBe(false)
    expect(store.lines).toHaveLength(1)
  })
})

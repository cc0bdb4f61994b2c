import { spawn, type ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { sleep, waitUntil } from '../test-support/process-scripts'
import {
  parseDuration,
  parseProcStatUsage,
  parsePsUsage,
  ProcessTreeUsage,
  treeUsageSupported,
  type TreeUsage,
  type TreeUsageMechanism,
} from './process-usage'
import { measureSampleCost } from '../test-support/sample-cost'

const linux = process.platform === 'linux'
const MB = 1024 * 1024

describe('parsing', () => {
  it('reads /proc/<pid>/stat usage fields after the last parenthesis', () => {
    // fields 3..24: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    //               utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss
    const text = '4242 (a) b (c) R 77 4242 4242 0 -1 4194304 10 0 0 0 150 25 300 40 20 0 7 0 987654 123456789 2048 18446744073709551615\n'
    expect(parseProcStatUsage(text)).toEqual({
      pid: 4242,
      ppid: 77,
      state: 'R',
      utime: 150,
      stime: 25,
      cutime: 300,
      cstime: 40,
      numThreads: 7,
      startTicks: 987654,
      rssPages: 2048,
    })
    expect(parseProcStatUsage('')).toBeNull()
    expect(parseProcStatUsage('12 (x) S 1 2')).toBeNull()
  })

  it('parses ps durations in BSD and procps forms', () => {
    expect(parseDuration('0:00.03')).toBeCloseTo(0.03)
    expect(parseDuration('123:45.67')).toBeCloseTo(123 * 60 + 45.67)
    expect(parseDuration('01:02:03')).toBe(3723)
    expect(parseDuration('2-01:02:03')).toBe(2 * 86400 + 3723)
    expect(parseDuration('1:02:03,50')).toBeCloseTo(3723.5)
    expect(parseDuration('05')).toBeNull()
    expect(parseDuration('abc')).toBeNull()
  })

  it('parses ps rows and drops malformed ones', () => {
    const rows = parsePsUsage('    1     0  1234   0:01.50   3-00:00:00\n  200     1   512  12:00.00      01:05\n garbage\n  300   200 x 0:00.00 00:01\n')
    expect(rows).toEqual([
      { pid: 1, ppid: 0, rssKiB: 1234, cpuSeconds: 1.5, elapsedSeconds: 3 * 86400 },
      { pid: 200, ppid: 1, rssKiB: 512, cpuSeconds: 720, elapsedSeconds: 65 },
    ])
  })
})

describe.skipIf(treeUsageSupported)('unsupported platform', () => {
  it('resolves null', async () => {
    expect(await new ProcessTreeUsage(process.pid).sample()).toBeNull()
  })
})

const mechanisms: TreeUsageMechanism[] = linux ? ['proc-children', 'proc-scan', 'ps'] : ['ps']

describe.skipIf(!treeUsageSupported).each(mechanisms)('live trees (%s)', (mechanism) => {
  const started: ChildProcess[] = []
  const strays: number[] = []

  afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    for (const pid of strays.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })

  function job(code: string): ChildProcess & { pid: number } {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] })
    started.push(child)
    if (child.pid === undefined) throw new Error('spawn failed')
    return child as ChildProcess & { pid: number }
  }

  /** Lines the job prints, e.g. pids of its children. */
  function lines(child: ChildProcess): string[] {
    const seen: string[] = []
    let buffered = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const parts = buffered.split('\n')
      buffered = parts.pop() ?? ''
      seen.push(...parts)
    })
    return seen
  }

  async function sampleUntilGone(usage: ProcessTreeUsage, everyMs: number, timeoutMs = 20_000): Promise<TreeUsage[]> {
    const samples: TreeUsage[] = []
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const sample = await usage.sample()
      if (sample === null) return samples
      samples.push(sample)
      if (Date.now() > deadline) throw new Error(`tree of ${usage.rootPid} still alive after ${timeoutMs}ms`)
      await sleep(everyMs)
    }
  }

  function expectMonotonic(samples: TreeUsage[]): void {
    for (let i = 1; i < samples.length; i++) {
      expect((samples[i] as TreeUsage).cpuSeconds).toBeGreaterThanOrEqual((samples[i - 1] as TreeUsage).cpuSeconds)
    }
  }

  it('records the peak RSS of a job holding 300 MB', async () => {
    const child = job('const b = Buffer.alloc(300 * 1024 * 1024, 1); setTimeout(() => { if (b[0] !== 1) process.exit(2) }, 1500)')
    const samples = await sampleUntilGone(new ProcessTreeUsage(child.pid, { mechanism }), 200)
    const peak = Math.max(...samples.map((sample) => sample.rssBytes))
    expect(samples.length).toBeGreaterThanOrEqual(4)
    expect(peak).toBeGreaterThanOrEqual(280 * MB)
    expect(peak).toBeLessThanOrEqual(450 * MB)
    expect(samples[0]?.pids[0]).toBe(child.pid)
  })

  // procps prints whole seconds of CPU time and has no -S, so only BSD ps can pass this through `ps`.
  it.skipIf(linux && mechanism === 'ps')("counts a child's CPU time, while it runs and once it is reaped", async () => {
    const burn = 'const s = process.cpuUsage(); const w = Date.now(); for (;;) { const u = process.cpuUsage(s); if (u.user + u.system >= 2e6 || Date.now() - w > 10000) break }'
    const child = job(
      `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(burn)}], { stdio: 'ignore' });` +
        `c.on('exit', () => setTimeout(() => process.exit(0), 100))`,
    )
    const samples = await sampleUntilGone(new ProcessTreeUsage(child.pid, { mechanism }), 250)
    const last = samples.at(-1) as TreeUsage
    expect(samples.some((sample) => sample.pids.length === 2)).toBe(true)
    expect(Math.max(...samples.map((sample) => sample.cpuSeconds))).toBeGreaterThanOrEqual(1.5)
    expect(last.cpuSeconds).toBeGreaterThanOrEqual(1.5)
    // Counted once: two node start-ups add a fraction of a second, double counting would add 2 s.
    expect(last.cpuSeconds).toBeLessThan(3)
    expect(Math.max(...samples.map((sample) => sample.cpuPercent))).toBeGreaterThanOrEqual(50)
    expectMonotonic(samples)
  })

  it('finds children forked by any thread, stays monotonic when a process leaves the tree, and ends with null', async () => {
    // The middle process burns 0.4 s, starts a grandchild from a worker thread (so the grandchild
    // hangs off that thread's children file) and one from the main thread, then waits.
    const burn = 'const s = process.cpuUsage(); for (;;) { const u = process.cpuUsage(s); if (u.user + u.system >= 4e5) break }'
    const idle = 'setInterval(() => {}, 1000)'
    const worker =
      `const { spawn } = require('node:child_process'); const { parentPort } = require('node:worker_threads');` +
      `const g = spawn(process.execPath, ['-e', ${JSON.stringify(idle)}], { stdio: 'ignore' }); parentPort.postMessage(g.pid); setInterval(() => {}, 1000)`
    const middle =
      `${burn}; const { spawn } = require('node:child_process'); const { Worker } = require('node:worker_threads');` +
      `const g = spawn(process.execPath, ['-e', ${JSON.stringify(idle)}], { stdio: 'ignore' });` +
      `const w = new Worker(${JSON.stringify(worker)}, { eval: true }); w.on('message', (pid) => console.log('pids ' + process.pid + ' ' + g.pid + ' ' + pid)); ${idle}`
    const root = job(
      `const m = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(middle)}], { stdio: ['ignore', 'inherit', 'inherit'] }); ${idle}`,
    )
    const output = lines(root)
    await waitUntil(() => output.some((line) => line.startsWith('pids ')), 15_000, 'the tree to start')
    const [middlePid, mainGrandchild, workerGrandchild] = (output.find((line) => line.startsWith('pids ')) as string).split(' ').slice(1).map(Number) as [number, number, number]
    strays.push(middlePid, mainGrandchild, workerGrandchild)

    const usage = new ProcessTreeUsage(root.pid, { mechanism })
    const before: TreeUsage[] = []
    for (let i = 0; i < 3; i++) {
      before.push((await usage.sample()) as TreeUsage)
      await sleep(100)
    }
    const full = before.at(-1) as TreeUsage
    expect(new Set(full.pids)).toEqual(new Set([root.pid, middlePid, mainGrandchild, workerGrandchild]))
    expect(full.pids[0]).toBe(root.pid)
    if (mechanism !== 'ps') expect(full.cpuSeconds).toBeGreaterThanOrEqual(0.4)

    // Killing the middle process hands both grandchildren to init: they leave the tree, and the
    // middle process's own time moves to the root's cutime once the root reaps it.
    process.kill(middlePid, 'SIGKILL')
    await sleep(300)
    const after = (await usage.sample()) as TreeUsage
    expect(after.pids).toEqual([root.pid])
    expect(after.cpuSeconds).toBeGreaterThanOrEqual(full.cpuSeconds)
    expectMonotonic([...before, after])

    const exited = new Promise((resolve) => root.once('exit', resolve))
    root.kill('SIGKILL')
    await exited
    expect(await usage.sample()).toBeNull()
  })

  it('measures the cost of sampling a tree of 3 processes', async () => {
    const grandchild = 'setInterval(() => {}, 1000)'
    const child = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' }); setInterval(() => {}, 1000)`
    const root = job(`const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'ignore' }); console.log('child ' + c.pid); setInterval(() => {}, 1000)`)
    const output = lines(root)
    const usage = new ProcessTreeUsage(root.pid, { mechanism })
    await waitUntil(() => output.length > 0, 15_000, 'the child')
    strays.push(Number((output[0] as string).split(' ')[1]))
    for (let i = 0; i < 50 && ((await usage.sample())?.pids.length ?? 0) < 3; i++) await sleep(50)
    const cost = await measureSampleCost(usage, 30)
    const last = await usage.sample()
    expect(last?.pids.length).toBe(3)
    if (last) strays.push(...last.pids)
    expect(cost.meanMs).toBeGreaterThan(0)
    expect(cost.cpuMsPerSample).toBeGreaterThan(0)
    if (mechanism === 'proc-children') expect(cost.cpuMsPerSample).toBeLessThan(10)
  })
})

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sleep } from '../test-support/process-scripts'
import { HostSampler, parseMacSysctl, parseMeminfo, parseProcStatCpu, type HostSample } from './host-sampler'
import { measureSampleCost } from '../test-support/sample-cost'

describe('parsing', () => {
  it('reads /proc/stat cpu lines, iowait counting as idle', () => {
    const reading = parseProcStatCpu(
      'cpu  100 10 50 800 40 0 0 0 0 0\ncpu0 60 5 25 400 10 0 0 0 0 0\ncpu1 40 5 25 400 30 0 0 0 0 0\nintr 12345\nctxt 99\n',
    )
    expect(reading?.all).toEqual({ busy: 160, total: 1000 })
    expect([...(reading?.cores.keys() ?? [])]).toEqual(['cpu0', 'cpu1'])
    expect(reading?.cores.get('cpu1')).toEqual({ busy: 70, total: 500 })
    expect(parseProcStatCpu('intr 1\n')).toBeNull()
  })

  it('reads /proc/meminfo, estimating MemAvailable on old kernels', () => {
    const modern = parseMeminfo('MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    600 kB\nSwapTotal:       200 kB\nSwapFree:         50 kB\n')
    expect(modern).toEqual({ totalBytes: 1000 * 1024, availableBytes: 600 * 1024, swap: { totalBytes: 200 * 1024, usedBytes: 150 * 1024 } })
    const old = parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\nActive(file): 7 kB\n')
    expect(old).toEqual({ totalBytes: 1000 * 1024, availableBytes: 350 * 1024, swap: null })
    expect(parseMeminfo('nothing')).toBeNull()
  })

  it('reads macOS sysctl output', () => {
    const both = parseMacSysctl('vm.swapusage: total = 2048.00M  used = 1024.50M  free = 1023.50M  (encrypted)\nkern.memorystatus_level: 67\n')
    expect(both).toEqual({ swap: { totalBytes: 2048 * 1024 ** 2, usedBytes: Math.round(1024.5 * 1024 ** 2) }, availablePercent: 67 })
    expect(parseMacSysctl('vm.swapusage: total = 0.00M  used = 0.00M  free = 0.00M\n')).toEqual({ swap: { totalBytes: 0, usedBytes: 0 }, availablePercent: null })
    expect(parseMacSysctl('')).toEqual({ swap: null, availablePercent: null })
  })
})

describe('HostSampler', () => {
  let dir: string
  const started: ChildProcess[] = []

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobdeck-host-'))
    mkdirSync(path.join(dir, 'a', 'b'), { recursive: true })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })

  function expectSane(sample: HostSample): void {
    expect(Math.abs(sample.at - Date.now())).toBeLessThan(5_000)
    expect(sample.cpuPercent).toBeGreaterThanOrEqual(0)
    expect(sample.cpuPercent).toBeLessThanOrEqual(100)
    expect(sample.cpuPerCore.length).toBe(os.cpus().length)
    for (const core of sample.cpuPerCore) {
      expect(core).toBeGreaterThanOrEqual(0)
      expect(core).toBeLessThanOrEqual(100)
    }
    if (process.platform === 'win32') expect(sample.load).toBeNull()
    else expect(sample.load).toHaveLength(3)
    const { memory } = sample
    expect(memory.totalBytes).toBeGreaterThan(0)
    expect(memory.availableBytes).toBeGreaterThan(0)
    expect(memory.totalBytes).toBeGreaterThanOrEqual(memory.availableBytes)
    expect(memory.usedBytes).toBe(memory.totalBytes - memory.availableBytes)
    expect(memory.usedPercent).toBeGreaterThanOrEqual(0)
    expect(memory.usedPercent).toBeLessThanOrEqual(100)
    if (process.platform === 'linux') {
      expect(sample.swap).not.toBeNull()
      expect(sample.swap?.totalBytes).toBeGreaterThanOrEqual(sample.swap?.usedBytes ?? 0)
    }
  }

  it('returns sane numbers, one disk per filesystem, and skips a missing path', async () => {
    const nested = path.join(dir, 'a', 'b')
    const sampler = new HostSampler({ paths: () => [dir, nested, path.join(dir, 'missing'), dir] })
    const first = await sampler.sample()
    expectSane(first)
    await sleep(200)
    const second = await sampler.sample()
    expectSane(second)
    expect(second.at).toBeGreaterThan(first.at)
    expect(second.disks).toHaveLength(1)
    const disk = second.disks[0]
    expect(disk?.path).toBe(dir)
    expect(disk?.paths).toEqual([dir, nested])
    expect(disk?.totalBytes).toBeGreaterThan(0)
    expect(disk?.freeBytes).toBeGreaterThan(0)
    expect(disk?.totalBytes).toBeGreaterThanOrEqual((disk?.freeBytes ?? 0) + (disk?.usedBytes ?? 0))
    expect(disk?.usedPercent).toBeGreaterThanOrEqual(0)
    expect(disk?.usedPercent).toBeLessThanOrEqual(100)
    expect(realpathSync(dir).startsWith(disk?.mount ?? '\0')).toBe(true)
  })

  it('follows a changing path list', async () => {
    let paths = [path.join(dir, 'later')]
    const sampler = new HostSampler({ paths: () => paths })
    expect((await sampler.sample()).disks).toEqual([])
    paths = [path.join(dir, 'a')]
    expect((await sampler.sample()).disks.map((disk) => disk.path)).toEqual([path.join(dir, 'a')])
    paths = []
    expect((await sampler.sample()).disks).toEqual([])
  })

  const otherFs = ['/dev/shm', '/run', os.homedir()].find((candidate) => {
    try {
      return statSync(candidate).dev !== statSync(os.tmpdir()).dev
    } catch {
      return false
    }
  })

  it.skipIf(otherFs === undefined)('keeps separate filesystems apart', async () => {
    const sampler = new HostSampler({ paths: () => [dir, otherFs as string] })
    const { disks } = await sampler.sample()
    expect(disks.map((disk) => disk.path)).toEqual([dir, otherFs])
  })

  it('sees a busy core in the CPU figures', async () => {
    const sampler = new HostSampler({ paths: () => [] })
    await sampler.sample()
    const burn = spawn(process.execPath, ['-e', 'const end = Date.now() + 1500; while (Date.now() < end) {}'], { stdio: 'ignore' })
    started.push(burn)
    await sleep(300)
    await sampler.sample()
    await sleep(1000)
    const busy = await sampler.sample()
    const cores = busy.cpuPerCore.length
    expect(busy.cpuPercent).toBeGreaterThanOrEqual((100 / cores) * 0.6)
    expect(Math.max(...busy.cpuPerCore)).toBeGreaterThanOrEqual(50)
  })

  it('coalesces concurrent calls into one sample', async () => {
    const sampler = new HostSampler({ paths: () => [dir] })
    const [a, b] = await Promise.all([sampler.sample(), sampler.sample()])
    expect(a).toBe(b)
  })

  it('does not stall the event loop', async () => {
    const sampler = new HostSampler({ paths: () => [dir, path.join(dir, 'a'), path.join(dir, 'missing')] })
    for (let i = 0; i < 20; i++) await sampler.sample()
    const slices: number[] = []
    for (let i = 0; i < 50; i++) {
      const start = performance.now()
      const pending = sampler.sample()
      slices.push(performance.now() - start)
      await pending
    }
    slices.sort((a, b) => a - b)
    expect(slices[25]).toBeLessThan(1)
    expect(slices[45]).toBeLessThan(2)
    const cost = await measureSampleCost(sampler, 50)
    expect(cost.medianBlockMs).toBeLessThan(1)
    expect(cost.maxBlockMs).toBeLessThan(25)
    expect(cost.cpuMsPerSample).toBeLessThan(5)
  })
})

import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  descendantsOf,
  isAlive,
  isGroupAlive,
  killTree,
  listDescendants,
  listDescendantsSync,
  listProcessesWithPs,
  listProcessesWithPsSync,
  parseProcStat,
  parsePsOutput,
  processStartTime,
  ProcessTree,
  signalProcess,
} from './process-tree'
import { makeScriptDir, sleep, TREE_SCRIPT, waitUntil, type ScriptDir } from '../test-support/process-scripts'

const posix = process.platform !== 'win32'
const linux = process.platform === 'linux'

describe('parseProcStat', () => {
  it('reads fields after the last parenthesis, whatever the command name holds', () => {
    const tail = '1 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 987654 2000 300'
    const entry = parseProcStat(`4242 (evil) S 1 (x) y) Z 77 4242 ${tail}\n`)
    expect(entry).toEqual({ pid: 4242, ppid: 77, pgid: 4242, state: 'Z', startTime: '987654' })
    const plain = parseProcStat(`10 (node) S 9 10 10 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 123456 1000 100\n`)
    expect(plain).toEqual({ pid: 10, ppid: 9, pgid: 10, state: 'S', startTime: '123456' })
  })

  it('rejects garbage', () => {
    expect(parseProcStat('')).toBeNull()
    expect(parseProcStat('no parens here')).toBeNull()
    expect(parseProcStat('x (a) S y')).toBeNull()
  })
})

describe('parsePsOutput and descendantsOf', () => {
  it('parses ps columns and walks the tree breadth-first, ignoring cycles', () => {
    const table = parsePsOutput('    1     0     1\n  100     1   100\n  101   100   100\n  102   101   555\n  200     1   200\n garbage\n  300   300\n')
    expect(table.map((entry) => entry.pid)).toEqual([1, 100, 101, 102, 200, 300])
    expect(table[3]).toEqual({ pid: 102, ppid: 101, pgid: 555, state: null, startTime: null })
    expect(descendantsOf(table, 100)).toEqual([101, 102])
    expect(descendantsOf(table, 1)).toEqual([100, 200, 101, 102])
    expect(descendantsOf(table, 300)).toEqual([])
    expect(descendantsOf([...table, { pid: 100, ppid: 102, pgid: null, state: null, startTime: null }], 100)).toEqual([101, 102])
  })
})

describe.skipIf(!posix)('live process trees', () => {
  let scripts: ScriptDir
  let treeScript: string
  const started: ChildProcess[] = []
  const strays: number[] = []

  beforeAll(() => {
    scripts = makeScriptDir()
    treeScript = scripts.write('tree.mjs', TREE_SCRIPT)
  })
  afterEach(() => {
    for (const child of started.splice(0)) if (child.pid) signalProcess(child.pid, 'SIGKILL')
    for (const pid of strays.splice(0)) signalProcess(pid, 'SIGKILL')
  })
  afterAll(() => scripts.cleanup())

  /** Starts the tree script in its own group and returns the child and the grandchild's pid. */
  async function startTree(...flags: string[]): Promise<{ child: ChildProcess; grandchild: number; exited: Promise<void> }> {
    const child = spawn(process.execPath, [treeScript, ...flags], { stdio: ['ignore', 'pipe', 'inherit'], detached: true })
    started.push(child)
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const grandchild = await new Promise<number>((resolve, reject) => {
      let text = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        const match = /grandchild (\d+)/.exec(text)
        if (match) resolve(Number(match[1]))
      })
      child.once('exit', () => reject(new Error(`tree script exited early: ${text}`)))
    })
    strays.push(grandchild)
    return { child, grandchild, exited }
  }

  it('lists descendants, with /proc and with ps', async () => {
    const { child, grandchild } = await startTree('--gc-detached')
    const pid = child.pid as number
    expect(await listDescendants(pid)).toEqual([grandchild])
    expect(listDescendantsSync(pid)).toEqual([grandchild])
    expect(descendantsOf(listProcessesWithPsSync(), pid)).toEqual([grandchild])
    expect(descendantsOf(await listProcessesWithPs(), pid)).toEqual([grandchild])
    expect(await listDescendants(grandchild)).toEqual([])
  })

  it('kills a tree including a grandchild that left the process group', async () => {
    const { child, grandchild, exited } = await startTree('--gc-detached')
    expect(isAlive(grandchild)).toBe(true)
    killTree(child.pid as number, 'SIGKILL')
    await exited
    await waitUntil(() => !isAlive(grandchild), 2000, 'the grandchild to die')
    expect(isAlive(child.pid as number)).toBe(false)
  })

  it('SIGTERM leaves a grandchild that ignores it; the tracked tree still reaches it for SIGKILL', async () => {
    const { child, grandchild, exited } = await startTree('--gc-detached', '--gc-ignore-term')
    const tree = new ProcessTree(child.pid as number)
    expect(tree.signal('SIGTERM')).toBeGreaterThanOrEqual(2)
    await exited
    tree.markRootExited()
    await sleep(100)
    // Now re-parented away from the root: only the remembered set still knows it.
    expect(isAlive(grandchild)).toBe(true)
    expect(await listDescendants(child.pid as number)).toEqual([])
    expect(tree.anyAlive()).toBe(true)
    tree.signal('SIGKILL')
    await waitUntil(() => !isAlive(grandchild), 2000, 'the grandchild to die')
    expect(tree.anyAlive()).toBe(false)
  })

  it('sees group members after the leader exited', async () => {
    const { child, grandchild, exited } = await startTree('--exit')
    await exited
    const pgid = child.pid as number
    expect(isGroupAlive(pgid)).toBe(true)
    const tree = new ProcessTree(pgid)
    tree.markRootExited()
    expect(tree.anyAlive()).toBe(true)
    tree.signal('SIGTERM')
    await waitUntil(() => !isAlive(grandchild), 2000, 'the grandchild to die')
    await waitUntil(() => !isGroupAlive(pgid), 2000, 'the group to empty')
  })

  it('tells live, dead and reused pids apart', async () => {
    expect(isAlive(process.pid)).toBe(true)
    expect(isAlive(0)).toBe(false)
    expect(isAlive(-1)).toBe(false)
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    const pid = child.pid as number
    await new Promise((resolve) => child.once('exit', resolve))
    expect(isAlive(pid)).toBe(false)
    expect(processStartTime(pid)).toBeNull()
    if (linux) {
      const stamp = processStartTime(process.pid)
      expect(stamp).toMatch(/^\d+$/)
      expect(processStartTime(process.pid)).toBe(stamp)
    } else {
      expect(processStartTime(process.pid)).toBeNull()
    }
  })
})

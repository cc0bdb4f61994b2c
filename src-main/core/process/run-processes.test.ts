import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { isAlive } from './process-tree'
import { findProcessesWithEnv, findRunProcesses, killRunProcesses, lastAllocatedPid, runOrigin } from './run-processes'
import { sleep, waitUntil } from '../test-support/process-scripts'

const linux = process.platform === 'linux'
const started: ChildProcess[] = []

function idle(runId: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: { ...process.env, JOBDECK_RUN_ID: runId } })
  started.push(child)
  return child
}

/** A shell that starts `count` sleepers in sessions of their own, prints their pids and exits. */
function escapers(runId: string, count: number): number[] {
  const script = `for i in $(seq ${count}); do setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!; done`
  const result = spawnSync('sh', ['-c', script], { env: { ...process.env, JOBDECK_RUN_ID: runId }, encoding: 'utf8' })
  return result.stdout.trim().split('\n').map(Number)
}

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL')
})

describe.skipIf(!linux)('a run’s processes, found by JOBDECK_RUN_ID', () => {
  it('finds the processes that inherited a run id, and only those', async () => {
    const mine = idle('run-a')
    idle('run-b')
    await sleep(50)
    expect(findProcessesWithEnv('JOBDECK_RUN_ID', new Set(['run-a']))).toEqual([mine.pid])
    expect(findProcessesWithEnv('JOBDECK_RUN_ID', new Set())).toEqual([])
  })

  it('finds processes that left the run’s session after the main process exited, looking only at pids allocated since the run began', async () => {
    const origin = runOrigin()
    const pids = escapers('run-escape', 5)
    try {
      await waitUntil(() => pids.every(isAlive), 5000, 'the sleepers')
      // A sleeper may still be between its shell's fork and the exec of setsid/sleep for a moment
      // (seen once in CI under load): wait for the table to show all of them, then look.
      const all = [...pids].sort().join()
      await waitUntil(() => findRunProcesses('run-escape', origin).sort().join() === all, 5000, 'the sleepers in the process table')
      expect(findRunProcesses('run-escape', origin).sort()).toEqual([...pids].sort())
      // A run that began after them does not see them (the common, cheap case).
      expect(findRunProcesses('run-escape', runOrigin())).toEqual([])
      // Past the wrap-safe window the whole table is read, and they are still found.
      expect(findRunProcesses('run-escape', { lastPid: lastAllocatedPid(), at: Date.now() - 5_000 }).sort()).toEqual([...pids].sort())
    } finally {
      for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    }
  })

  it('killRunProcesses stops every process of the given runs and returns once they are gone', async () => {
    const pids = escapers('run-dead-runner', 20)
    const bystander = idle('run-other')
    await waitUntil(() => pids.every(isAlive), 5000, 'the sleepers')
    expect(killRunProcesses(new Set(['run-dead-runner']))).toBe(20)
    expect(pids.filter(isAlive)).toEqual([])
    expect(isAlive(bystander.pid as number)).toBe(true)
    expect(killRunProcesses(new Set(['run-dead-runner']))).toBe(0)
  })
})

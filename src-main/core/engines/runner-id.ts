// A runner's identity, made in one place. The id names the host and pid for people reading a
// run's record; code reads the pid from the identity, or from pidOfRunnerId, never by splitting.
import os from 'node:os'
import type { RunnerIdentity } from './queue-engine'

export function newRunnerIdentity(now: number): RunnerIdentity {
  const host = os.hostname()
  return { runnerId: `${host}:${process.pid}:${now.toString(36)}`, host, pid: process.pid, startedAt: now }
}

/** The pid in an id made by newRunnerIdentity (host names may hold ':'; the last two parts are ours). */
export function pidOfRunnerId(runnerId: string): number | null {
  const parts = runnerId.split(':')
  if (parts.length < 3) return null
  const pid = Number(parts[parts.length - 2])
  return Number.isInteger(pid) && pid > 0 ? pid : null
}

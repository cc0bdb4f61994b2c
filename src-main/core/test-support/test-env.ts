// Real data dirs, real config files and real job scripts for engine tests.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCore, type Core, type CoreOptions } from '../core'
import type { Job } from '../../../src-shared/domain'

export const SCRIPTS: Record<string, string> = {
  'sleep.js': `const ms = Number(process.argv[2] ?? 100); console.log('start', process.argv.slice(3).join(' ')); setTimeout(() => console.log('done'), ms)`,
  'fail.js': `console.log('working'); console.error('boom: the API said 503'); process.exit(2)`,
  'items.js': `console.log('::items ok=' + process.argv[2] + ' failed=' + process.argv[3]); console.log('sent')`,
  'progress.js': `let i = 0; const t = setInterval(() => { i += 25; console.log('::progress ' + i + '/100 step ' + i); if (i >= 100) clearInterval(t) }, 20)`,
  'stubborn.js': `const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('grandchild', process.pid); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'inherit', 'inherit'] });
    process.on('SIGTERM', () => {}); console.log('child', process.pid); setInterval(() => {}, 1000)`,
}

export interface TestEnv {
  dir: string
  dataDir: string
  configPath: string
  open(options?: Partial<CoreOptions>): Core
  writeConfig(yaml: string): void
  cleanup(): void
}

export function makeTestEnv(configYaml: string): TestEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-test-'))
  const dataDir = path.join(dir, 'data')
  const scripts = path.join(dir, 'scripts')
  fs.mkdirSync(scripts)
  // CommonJS scripts: the temp folder has no package.json, so .js is CommonJS there.
  for (const [name, body] of Object.entries(SCRIPTS)) fs.writeFileSync(path.join(scripts, name), body)
  const configPath = path.join(dir, 'jobdeck.yaml')
  const cores: Core[] = []
  const env: TestEnv = {
    dir,
    dataDir,
    configPath,
    writeConfig(yaml) {
      fs.writeFileSync(configPath, yaml)
    },
    open(options = {}) {
      const core = createCore({ dataDir, configPath, runner: { pollMs: 20 }, ...options })
      cores.push(core)
      return core
    },
    cleanup() {
      for (const core of cores) void core.close().catch(() => undefined)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
  // The suite shares a small machine: its CPU load must not trip the resource gate in tests
  // that are not about it.
  // Appended, so the line numbers of the test's own config stay what the test says.
  env.writeConfig(/^monitor:/m.test(configYaml) ? configYaml : `${configYaml}\nmonitor:\n  thresholds: { cpu: { warning: 99, critical: 100 } }\n`)
  return env
}

/** Resolves once every job is terminal (or rejects after `ms`). */
export async function waitForTerminal(core: Core, ids: readonly string[], ms = 20_000): Promise<Job[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const jobs = ids.map((id) => core.store.getJob(id))
    if (jobs.every((j) => ['succeeded', 'partial', 'failed', 'canceled'].includes(j.status))) return jobs
    if (Date.now() > deadline) throw new Error(`jobs not terminal after ${ms} ms: ${jobs.map((j) => `${j.id}=${j.status}`).join(', ')}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export async function waitFor<T>(probe: () => T | null | undefined | false, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

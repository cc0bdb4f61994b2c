// The `jobdeck` command as an operator runs it, on a test's data dir and config: a real process.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const JOBDECK_BIN = fileURLToPath(new URL('../../../bin/jobdeck.mjs', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `jobdeck ARGS --data-dir … --config …` to the end. */
export function runCli(env: { dataDir: string; configPath: string } | null, args: readonly string[], timeoutMs = 120_000): CliResult {
  if (!env) throw new Error('runCli: no test env (open one first)')
  const result = spawnSync(process.execPath, [JOBDECK_BIN, ...args, '--data-dir', env.dataDir, '--config', env.configPath], { encoding: 'utf8', timeout: timeoutMs })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

// Relative paths in a job type are relative to the config file, not to wherever Jobdeck started.
import { existsSync } from 'node:fs'
import path from 'node:path'
import type { JobTypeConfig } from '../../../src-shared/config-schema'

const SEPARATOR = /[/\\]/

export function resolveJobTypePaths(type: JobTypeConfig, configDir: string): JobTypeConfig {
  return {
    ...type,
    cwd: resolveCwd(type.cwd, configDir),
    ...(type.command ? { command: type.command.map((element, index) => resolveCommandElement(element, index, configDir)) } : {}),
    ...(type.sql?.script ? { sql: { ...type.sql, script: path.resolve(configDir, type.sql.script) } } : {}),
  }
}

/**
 * A cwd that starts with a placeholder (`{root}/out`) cannot be resolved before the param is
 * known, so it stays a template; `buildCommand` insists that it ends up absolute.
 */
function resolveCwd(cwd: string | undefined, configDir: string): string {
  if (cwd === undefined || cwd === '') return configDir
  if (cwd.startsWith('{') && !cwd.startsWith('{{')) return cwd
  return path.resolve(configDir, cwd)
}

function resolveCommandElement(element: string, index: number, configDir: string): string {
  if (path.isAbsolute(element) || element.includes('{') || !SEPARATOR.test(element)) return element
  // The program itself: `./bin/tool` or `jobs/run.sh` can only mean a file beside the config.
  if (index === 0) return path.resolve(configDir, element)
  if (element.startsWith('-') || element.includes('://')) return element
  // Arguments are only paths when such a file exists; `a/b` could as well be a ratio or an id.
  const candidate = path.resolve(configDir, element)
  return existsSync(candidate) ? candidate : element
}

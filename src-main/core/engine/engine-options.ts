// Where the engine finds its data dir and config: `--data-dir`/`--config` (either `--x value` or
// `--x=value`), then JOBDECK_DATA_DIR/JOBDECK_CONFIG, then the defaults — the CLI's resolution.
import { exampleConfigPath, findConfigPath } from '../config/config-path'
import { resolveDataDir } from '../paths'

/** The value of `--name value` or `--name=value` anywhere in argv (the last one wins). */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === `--${name}`) {
      const next = argv[i + 1]
      if (next !== undefined && !next.startsWith('--')) value = next
    } else if (arg.startsWith(`--${name}=`)) {
      value = arg.slice(name.length + 3)
    }
  }
  return value
}

export function engineLocation(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { dataDir: string; configPath: string; postgres?: { url: string; source: 'flag' | 'env' } } {
  const dataDir = resolveDataDir(flagValue(argv, 'data-dir'), env)
  const { path } = findConfigPath({
    flag: flagValue(argv, 'config'),
    env: env.JOBDECK_CONFIG,
    dataDir,
    examplePath: exampleConfigPath(),
  })
  // Shared mode as the CLI decides it: --pg, then JOBDECK_PG_URL, then the config file.
  const pg = flagValue(argv, 'pg')
  const postgres = pg ? { url: pg, source: 'flag' as const } : env.JOBDECK_PG_URL ? { url: env.JOBDECK_PG_URL, source: 'env' as const } : undefined
  return { dataDir, configPath: path, ...(postgres ? { postgres } : {}) }
}

/** The argv a parent passes to the engine entry (`--x=value` so a value may start with `-`). */
export function engineArgv(location: { dataDir?: string; configPath?: string; logFile?: string }): string[] {
  const argv: string[] = []
  if (location.dataDir) argv.push(`--data-dir=${location.dataDir}`)
  if (location.configPath) argv.push(`--config=${location.configPath}`)
  if (location.logFile) argv.push(`--log-file=${location.logFile}`)
  return argv
}

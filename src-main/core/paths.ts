import os from 'node:os'
import path from 'node:path'

const APP_NAME = 'Jobdeck'

/** The folder Electron's `app.getPath('userData')` uses, so the app and the CLI share one data dir. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir()
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME)
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME)
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME)
}

/** `--data-dir` beats `JOBDECK_DATA_DIR` beats the OS app-data folder. */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.JOBDECK_DATA_DIR
  return chosen ? path.resolve(chosen) : defaultDataDir()
}

/** Where the data dir came from, for errors about it. */
export function dataDirPlace(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined) return '--data-dir'
  return env.JOBDECK_DATA_DIR ? 'JOBDECK_DATA_DIR' : 'the data dir'
}

export function databaseFile(dataDir: string): string {
  return path.join(dataDir, 'jobdeck.sqlite')
}

// better-sqlite3 in node_modules is built for Node's ABI (tests, CLI, server). Inside Electron the
// engine needs the Electron-ABI build that scripts/prepare-electron.mjs puts under native/; it is
// handed to the engine through JOBDECK_SQLITE_BINDING (the engine passes it as `nativeBinding`).
import { existsSync } from 'node:fs'
import { electronBindingPath } from '../../scripts/native-binding.mjs'

export const SQLITE_BINDING_ENV = 'JOBDECK_SQLITE_BINDING'

export interface SqliteBindingInput {
  env: NodeJS.ProcessEnv
  /** app.getAppPath(): the project root in development, …/resources/app.asar when packaged */
  appPath: string
  /** process.versions.modules of the running Electron */
  abi: string
  exists?: (file: string) => boolean
}

/**
 * Sets env.JOBDECK_SQLITE_BINDING to the Electron-ABI addon unless it is already set, and returns
 * the path in effect, or undefined when no such file exists (then the engine cannot open SQLite).
 */
export function configureSqliteBinding({ env, appPath, abi, exists = existsSync }: SqliteBindingInput): string | undefined {
  const preset = env[SQLITE_BINDING_ENV]
  if (preset) return exists(preset) ? preset : undefined
  // Native files cannot be loaded from inside an asar archive; packaging unpacks native/ beside it.
  const root = appPath.replace(/app\.asar$/, 'app.asar.unpacked')
  const candidate = electronBindingPath(root, abi)
  if (!exists(candidate)) return undefined
  env[SQLITE_BINDING_ENV] = candidate
  return candidate
}

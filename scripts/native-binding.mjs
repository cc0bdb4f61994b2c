// Where the Electron-ABI build of better-sqlite3 lives. Shared by scripts/prepare-electron.mjs
// (which produces it) and src-main/electron (which hands it to the engine). Pure: no fs access.
import { join } from 'node:path'

/**
 * @param {string} rootDir project root (or app.asar.unpacked when packaged)
 * @param {string | number} abi NODE_MODULE_VERSION of the Electron runtime (process.versions.modules)
 * @returns {string} <rootDir>/native/electron-<abi>/better_sqlite3.node
 */
export function electronBindingPath(rootDir, abi) {
  const text = String(abi).trim()
  if (!/^\d+$/.test(text)) throw new Error(`electronBindingPath: invalid ABI "${text}"`)
  return join(rootDir, 'native', `electron-${text}`, 'better_sqlite3.node')
}

// electron-builder `afterPack` hook: runs on the unpacked app, after the files are copied and
// before signing and the installers (so a signature covers the flipped binary).
//  1. Refuses a package without the Electron-ABI better-sqlite3 (native/electron-<abi>/, made by
//     scripts/prepare-electron.mjs): the engine could not open its database.
//  2. Flips the Electron fuses (https://www.electronjs.org/docs/latest/tutorial/fuses):
//     no ELECTRON_RUN_AS_NODE, no NODE_OPTIONS, no --inspect, cookies encrypted, the asar's
//     integrity checked (macOS and Windows; electron-builder embeds the hashes) and the app
//     loaded only from app.asar.
// electron-builder 26 could flip fuses itself (`electronFuses`); the hook is used instead so the
// choice and the binary's path are unit-tested (scripts/after-pack.test.ts) together with the
// native check. Do not set both.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS module, as electron-builder loads hooks */
const fs = require('node:fs')
const path = require('node:path')

/** @typedef {{ appOutDir: string, electronPlatformName: string, arch: number, packager: { appInfo: { productFilename: string }, executableName?: string } }} AfterPackContext */

/** electron-builder's Arch enum values that are arm64 (arm64 = 3, universal = 4). */
const ARM64_ARCHES = new Set([3, 4])

/**
 * The fuse settings, by @electron/fuses option name. GrantFileProtocolExtraPrivileges stays as
 * Electron ships it: the window is loaded from file:// and its scripts are ES modules.
 */
const FUSES = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
}

/** The file @electron/fuses patches: the executable (Linux, Windows) or the .app (macOS). @param {AfterPackContext} context */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.app`)
    case 'win32':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`)
    default:
      return path.join(appOutDir, packager.executableName ?? packager.appInfo.productFilename)
  }
}

/** Where electron-builder put resources/ (app.asar and app.asar.unpacked). @param {AfterPackContext} context */
function resourcesDir(context) {
  const { appOutDir, electronPlatformName, packager } = context
  return electronPlatformName === 'darwin' || electronPlatformName === 'mas'
    ? path.join(appOutDir, `${packager.appInfo.productFilename}.app`, 'Contents', 'Resources')
    : path.join(appOutDir, 'resources')
}

/** @param {{ FuseVersion: { V1: string }, FuseV1Options: Record<string, number> }} fuses @param {AfterPackContext} context */
function fuseConfig(fuses, context) {
  /** @type {Record<string | number, unknown>} */
  const config = {
    version: fuses.FuseVersion.V1,
    // Flipping fuses breaks the ad-hoc signature arm64 macOS requires (a real signature follows when configured).
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && ARM64_ARCHES.has(context.arch),
  }
  for (const [name, value] of Object.entries(FUSES)) {
    const index = fuses.FuseV1Options[name]
    if (index === undefined) throw new Error(`after-pack: @electron/fuses does not know the fuse ${name}`)
    config[index] = value
  }
  return config
}

/**
 * @param {{
 *   fuses?: { flipFuses: (file: string, config: object) => Promise<unknown>, FuseVersion: { V1: string }, FuseV1Options: Record<string, number> },
 *   electronAbi?: string,
 *   exists?: (file: string) => boolean,
 *   log?: (line: string) => void,
 * }} [deps]
 */
function createAfterPack(deps = {}) {
  /** @param {AfterPackContext} context */
  return async function afterPack(context) {
    const log = deps.log ?? ((line) => console.log(`  • ${line}`))
    const exists = deps.exists ?? fs.existsSync
    const abi = deps.electronAbi ?? fs.readFileSync(path.join(path.dirname(require.resolve('electron/package.json')), 'abi_version'), 'utf8').trim()
    const binding = path.join(resourcesDir(context), 'app.asar.unpacked', 'native', `electron-${abi}`, 'better_sqlite3.node')
    if (!exists(binding)) {
      throw new Error(
        `after-pack: ${binding} is missing: the app could not open its database. Run \`node scripts/prepare-electron.mjs\` ` +
          '(npm run dist does) on this OS and architecture before packaging.',
      )
    }
    const fuses = deps.fuses ?? require('@electron/fuses')
    const binary = electronBinaryPath(context)
    log(`flipping Electron fuses in ${binary}: ${Object.entries(FUSES).map(([k, v]) => `${k}=${v ? 'on' : 'off'}`).join(', ')}`)
    await fuses.flipFuses(binary, fuseConfig(fuses, context))
  }
}

module.exports = createAfterPack()
module.exports.default = module.exports
module.exports.createAfterPack = createAfterPack
module.exports.FUSES = FUSES
module.exports.electronBinaryPath = electronBinaryPath

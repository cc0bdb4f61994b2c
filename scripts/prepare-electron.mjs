#!/usr/bin/env node
// Run by `npm start` / `npm run dev` before electron-vite. Makes the machine ready to run the app:
//   a) the Electron binary is present (electron installs it lazily; we fetch it up front, with a
//      clear message when that is impossible);
//   b) better-sqlite3 is built for Electron's ABI into native/electron-<abi>/better_sqlite3.node.
// node_modules/better-sqlite3/build stays the Node-ABI build used by tests, CLI and server, so
// `npm test` and `npm start` keep working in any order. The build happens in a temporary copy of
// the package: prebuild-install (downloads a prebuilt), falling back to node-gyp (compiles).
//
// Usage: node scripts/prepare-electron.mjs [--force]   (--force rebuilds the native addon)
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { electronBindingPath } from './native-binding.mjs'

const ELECTRON_HEADERS_URL = 'https://electronjs.org/headers'

/** @typedef {{ status: number, error?: Error }} ExecResult */
/** @typedef {(command: string, args: string[], options: { cwd: string, env: NodeJS.ProcessEnv }) => ExecResult} Exec */

/** @type {Exec} */
export function defaultExec(command, args, { cwd, env }) {
  const result = spawnSync(command, args, { cwd, env, stdio: 'inherit' })
  return { status: result.status ?? 1, ...(result.error ? { error: result.error } : {}) }
}

/**
 * Facts about the installed electron package.
 * @param {string} rootDir
 */
export function readElectronPackage(rootDir) {
  const require = createRequire(path.join(rootDir, 'package.json'))
  let pkgFile
  try {
    pkgFile = require.resolve('electron/package.json')
  } catch {
    throw new Error('the electron package is not installed (run `npm install`)')
  }
  const dir = path.dirname(pkgFile)
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'))
  const abi = fs.readFileSync(path.join(dir, 'abi_version'), 'utf8').trim()
  const bin = typeof pkg.bin === 'object' && pkg.bin !== null ? pkg.bin['install-electron'] : undefined
  return {
    dir,
    version: String(pkg.version),
    abi,
    installScript: path.join(dir, bin ?? 'install.js'),
  }
}

/**
 * The Electron executable, resolved like node_modules/electron/index.js does (without its
 * download-on-require side effect), or null when it is missing.
 * @param {string} electronDir
 * @param {NodeJS.ProcessEnv} env
 */
export function electronExecutable(electronDir, env) {
  if (env.ELECTRON_EXEC_PATH && fs.existsSync(env.ELECTRON_EXEC_PATH)) return env.ELECTRON_EXEC_PATH
  const pathFile = path.join(electronDir, 'path.txt')
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : ''
  let candidate
  if (env.ELECTRON_OVERRIDE_DIST_PATH) candidate = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron')
  else if (relative) candidate = path.join(electronDir, 'dist', relative)
  else return null
  return fs.existsSync(candidate) ? candidate : null
}

/**
 * The environment for native builds: npm passes its config to child processes as npm_config_*,
 * and some of it would silently redirect the build to Node's ABI (this machine's npm config has
 * nodedir=/usr, i.e. Node's headers) or to another runtime/target.
 * @param {NodeJS.ProcessEnv} env
 */
export function nativeBuildEnv(env) {
  const drop = new Set(['nodedir', 'target', 'runtime', 'arch', 'target_arch', 'disturl', 'dist_url', 'build_from_source'])
  /** @type {NodeJS.ProcessEnv} */
  const out = {}
  for (const [key, value] of Object.entries(env)) {
    const match = /^npm_config_(.+)$/i.exec(key)
    if (match && drop.has(match[1].toLowerCase().replace(/-/g, '_'))) continue
    out[key] = value
  }
  return out
}

/**
 * node-gyp's CLI script: the one npm runs scripts with, else the one bundled with npm, else a
 * project-local one. Null when none is found.
 * @param {NodeJS.ProcessEnv} env
 * @param {string} rootDir
 */
export function findNodeGyp(env, rootDir) {
  const candidates = []
  if (env.npm_config_node_gyp) candidates.push(env.npm_config_node_gyp)
  if (env.npm_execpath) candidates.push(path.join(path.dirname(env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
  try {
    candidates.push(createRequire(path.join(rootDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js'))
  } catch {
    // not installed locally
  }
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
  return candidates.find((file) => fs.existsSync(file)) ?? null
}

/** Copies a package directory without its build output and nested node_modules. */
function copyPackage(from, to) {
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(from, src)
      const top = rel.split(path.sep)[0]
      return top !== 'build' && top !== 'node_modules' && top !== 'prebuilds'
    },
  })
}

/**
 * @param {{
 *   rootDir: string,
 *   exec?: Exec,
 *   env?: NodeJS.ProcessEnv,
 *   arch?: string,
 *   platform?: string,
 *   tmpRoot?: string,
 *   force?: boolean,
 *   log?: (message: string) => void,
 *   error?: (message: string) => void,
 * }} options
 * @returns {number} process exit code
 */
export function prepareElectron({
  rootDir,
  exec = defaultExec,
  env = process.env,
  arch = process.arch,
  platform = process.platform,
  tmpRoot = os.tmpdir(),
  force = false,
  log = (message) => console.log(`[prepare-electron] ${message}`),
  error = (message) => console.error(`[prepare-electron] ${message}`),
}) {
  let electron
  try {
    electron = readElectronPackage(rootDir)
  } catch (e) {
    error(`cannot read the electron package: ${e instanceof Error ? e.message : String(e)}`)
    return 1
  }

  // a) The Electron binary.
  if (electronExecutable(electron.dir, env) === null) {
    log(`Electron ${electron.version} binary is missing; downloading it (install-electron)…`)
    const result = exec(process.execPath, [electron.installScript], { cwd: rootDir, env })
    if (result.status !== 0 || electronExecutable(electron.dir, env) === null) {
      error(
        [
          `could not download the Electron ${electron.version} binary for ${platform}-${arch}.`,
          'Check the network connection, or point ELECTRON_MIRROR at a reachable mirror',
          '(e.g. ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/), or place a cached zip in',
          'electron_config_cache / set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron, then run `npm start` again.',
        ].join('\n  '),
      )
      return 1
    }
    log('Electron binary installed.')
  }

  // b) better-sqlite3 for Electron's ABI.
  const target = electronBindingPath(rootDir, electron.abi)
  if (!force && fs.existsSync(target)) {
    log(`better-sqlite3 for Electron ABI ${electron.abi} is present (${path.relative(rootDir, target)}).`)
    return 0
  }

  const require = createRequire(path.join(rootDir, 'package.json'))
  let sqliteDir
  try {
    sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'))
  } catch {
    error('the better-sqlite3 package is not installed (run `npm install`).')
    return 1
  }

  const work = fs.mkdtempSync(path.join(tmpRoot, 'jobdeck-better-sqlite3-'))
  try {
    const pkgDir = path.join(work, 'better-sqlite3')
    copyPackage(sqliteDir, pkgDir)
    const built = path.join(pkgDir, 'build', 'Release', 'better_sqlite3.node')
    const buildEnv = nativeBuildEnv(env)

    log(`building better-sqlite3 for Electron ${electron.version} (ABI ${electron.abi}, ${platform}-${arch}) in ${pkgDir}`)
    let prebuildInstall = null
    try {
      prebuildInstall = createRequire(path.join(sqliteDir, 'package.json')).resolve('prebuild-install/bin.js')
    } catch {
      log('prebuild-install is not installed; compiling instead.')
    }
    if (prebuildInstall !== null) {
      const args = [prebuildInstall, '--runtime', 'electron', '--target', electron.version, '--arch', arch, '--platform', platform, '--verbose']
      const result = exec(process.execPath, args, { cwd: pkgDir, env: buildEnv })
      if (result.status !== 0 || !fs.existsSync(built)) log('no prebuilt binary could be downloaded; compiling with node-gyp.')
    }

    if (!fs.existsSync(built)) {
      const nodeGyp = findNodeGyp(env, rootDir)
      if (nodeGyp === null) {
        error('node-gyp was not found (it ships with npm); cannot compile better-sqlite3 for Electron.')
        return 1
      }
      const args = [
        nodeGyp,
        'rebuild',
        '--release',
        `--target=${electron.version}`,
        `--arch=${arch}`,
        `--dist-url=${ELECTRON_HEADERS_URL}`,
        '--runtime=electron',
      ]
      const result = exec(process.execPath, args, { cwd: pkgDir, env: buildEnv })
      if (result.status !== 0 || !fs.existsSync(built)) {
        error(
          'could not build better-sqlite3 for Electron: no prebuilt was downloadable and node-gyp failed.\n  ' +
            'node-gyp needs python3, a C++ toolchain (build-essential) and network access to ' +
            `${ELECTRON_HEADERS_URL} for the Electron headers.`,
        )
        return 1
      }
    }

    fs.mkdirSync(path.dirname(target), { recursive: true })
    const partial = `${target}.${process.pid}.partial`
    fs.copyFileSync(built, partial)
    fs.renameSync(partial, target)
    log(`wrote ${path.relative(rootDir, target)}`)
    return 0
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href
if (isMain) {
  const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  process.exitCode = prepareElectron({ rootDir, force: process.argv.includes('--force') })
}

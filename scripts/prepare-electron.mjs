#!/usr/bin/env node
// Makes the machine ready to run the desktop app:
//   a) the Electron binary is present. Electron 45 has no install script of its own any more (it
//      downloads lazily, on first use, with a raw stack when that fails), so this script fetches it
//      through Electron's own install-electron, with one clear message when that is impossible;
//   b) better-sqlite3 is built for Electron's ABI into native/electron-<abi>/better_sqlite3.node.
// node_modules/better-sqlite3/build stays the Node-ABI build used by tests, CLI and server, so
// `npm test` and `npm start` keep working in any order. The build happens in a temporary copy of
// the package: prebuild-install (downloads a prebuilt), falling back to node-gyp (compiles).
//
// `npm install` runs it with --install (package.json postinstall): only (a), best effort, never
// failing the install, and no download under ELECTRON_SKIP_BINARY_DOWNLOAD (CI) or on a Node older
// than Electron's download tools declare. `npm start` / `npm run dev` / `npm run dist` run it
// plainly: (a) if still needed, then (b); any failure stops them with one message saying what to do.
//
// Usage: node scripts/prepare-electron.mjs [--install] [--force]   (--force rebuilds the native addon)
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { electronBindingPath } from './native-binding.mjs'
import { satisfiesNodeRange } from './node-version.mjs'

const ELECTRON_HEADERS_URL = 'https://electronjs.org/headers'

/** Preloaded into install-electron so its failure names the URL and the network error. */
const FETCH_CAUSE_HOOK = fileURLToPath(new URL('./electron-fetch-cause.cjs', import.meta.url))

/** What to run instead when Electron cannot be had: the same window, in a browser. */
const HEADLESS_HINT = 'Without Electron, the same window runs in a browser: npm run build && npx jobdeck serve'

/** @typedef {{ status: number, error?: Error, output?: string }} ExecResult */
/** @typedef {(command: string, args: string[], options: { cwd: string, env: NodeJS.ProcessEnv, capture?: boolean }) => ExecResult} Exec */

/**
 * Runs a child process; with `capture` its output is returned instead of shown (the download's
 * stack trace is not for the operator).
 * @type {Exec}
 */
export function defaultExec(command, args, { cwd, env, capture = false }) {
  const result = spawnSync(command, args, { cwd, env, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8' })
  return {
    status: result.status ?? 1,
    ...(result.error ? { error: result.error } : {}),
    ...(capture ? { output: `${result.stdout ?? ''}${result.stderr ?? ''}` } : {}),
  }
}

/**
 * The reason a download failed, in one line, from the download script's output: its error's
 * message (`cannot fetch https://…: getaddrinfo ENOTFOUND github.com`, `Response code 404 …`).
 * @param {ExecResult} result
 */
export function downloadFailureReason(result) {
  if (result.error) return result.error.message
  const lines = (result.output ?? '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean)
  const errorLine = lines.map((line) => /^[\w.]*Error(?: \[\w+\])?: (.+)$/.exec(line)?.[1]).find((message) => message !== undefined)
  const reason = errorLine ?? lines.find((line) => !line.startsWith('at ')) ?? `the download script exited with code ${result.status}`
  return reason.length > 300 ? `${reason.slice(0, 299)}…` : reason
}

/** @param {string | undefined} value */
const isSet = (value) => value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'

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
    /** The Node Electron's own tools (its downloader, @electron/rebuild) declare; null if none. */
    nodeRange: typeof pkg.engines?.node === 'string' ? pkg.engines.node : null,
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
 *   nodeVersion?: string,
 *   tmpRoot?: string,
 *   force?: boolean,
 *   install?: boolean,
 *   log?: (message: string) => void,
 *   error?: (message: string) => void,
 * }} options `install`: the best-effort pass of `npm install` (see the file's head)
 * @returns {number} process exit code
 */
export function prepareElectron({
  rootDir,
  exec = defaultExec,
  env = process.env,
  arch = process.arch,
  platform = process.platform,
  nodeVersion = process.versions.node,
  tmpRoot = os.tmpdir(),
  force = false,
  install = false,
  log = (message) => console.log(`[prepare-electron] ${message}`),
  error = (message) => console.error(`[prepare-electron] ${message}`),
}) {
  /** One message; during `npm install` the install goes on after it, `npm start` stops on it. */
  const fail = (/** @type {string[]} */ lines) => {
    error(lines.join('\n  '))
    return install ? 0 : 1
  }
  const npmStart = install ? '`npm start` tries again' : 'run `npm start` again'

  let electron
  try {
    electron = readElectronPackage(rootDir)
  } catch (e) {
    // An install without devDependencies has no desktop app to prepare, and no build for `serve`.
    if (install) return fail(['the electron package is not installed (devDependencies left out?): the desktop app is not set up; the jobdeck command is.'])
    return fail([`cannot read the electron package: ${e instanceof Error ? e.message : String(e)}`, HEADLESS_HINT])
  }

  // a) The Electron binary.
  if (electronExecutable(electron.dir, env) === null) {
    const what = `the Electron ${electron.version} binary for ${platform}-${arch}`
    if (isSet(env.ELECTRON_SKIP_BINARY_DOWNLOAD)) {
      if (install) {
        log(`ELECTRON_SKIP_BINARY_DOWNLOAD is set: not downloading ${what} (\`npm start\` needs it).`)
        return 0
      }
      return fail([
        `cannot start the desktop app: ${what} is not installed, and ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it is not downloaded.`,
        'Unset ELECTRON_SKIP_BINARY_DOWNLOAD and run `npm start` again, or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron.',
        HEADLESS_HINT,
      ])
    }
    // Electron's download tools declare the Node they need; an installed binary runs without them.
    if (electron.nodeRange !== null && satisfiesNodeRange(nodeVersion, electron.nodeRange) === false) {
      return fail([
        `${install ? 'not downloading' : 'cannot start the desktop app: cannot download'} ${what}: Electron's download tools need Node ${electron.nodeRange}, and this is Node ${nodeVersion}.`,
        'Install such a Node (README, Set up), then `npm install` again.',
        'Meanwhile the same window runs in a browser on this Node: npm run build && npx jobdeck serve',
      ])
    }
    log(`downloading ${what} (about 100 MB, once; install-electron)…`)
    const result = exec(process.execPath, ['--require', FETCH_CAUSE_HOOK, electron.installScript], { cwd: rootDir, env, capture: true })
    const installed = result.status === 0 && electronExecutable(electron.dir, env) !== null
    if (!installed) {
      const reason = result.status === 0 ? 'the download script ended without leaving the binary in node_modules/electron/dist' : downloadFailureReason(result)
      return fail([
        `${install ? 'could not download' : 'cannot start the desktop app: could not download'} ${what}: ${reason}.`,
        `To download it: check the network, or point ELECTRON_MIRROR at a reachable mirror (e.g. ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/), then ${npmStart}.`,
        'To use an Electron you have: put its zip in electron_config_cache, or set ELECTRON_OVERRIDE_DIST_PATH to its unpacked folder.',
        HEADLESS_HINT,
      ])
    }
    log('Electron binary installed.')
  }
  if (install) return 0

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
    error(`the better-sqlite3 package is not installed (run \`npm install\`).\n  ${HEADLESS_HINT}`)
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
        error(`node-gyp was not found (it ships with npm); cannot compile better-sqlite3 for Electron.\n  ${HEADLESS_HINT}`)
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
            `${ELECTRON_HEADERS_URL} for the Electron headers.\n  ${HEADLESS_HINT}`,
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
  const install = process.argv.includes('--install')
  try {
    process.exitCode = prepareElectron({ rootDir, force: process.argv.includes('--force'), install })
  } catch (error) {
    if (!install) throw error
    // Nothing here may fail `npm install`: `npm start` runs the same steps again and says why.
    console.error(`[prepare-electron] could not prepare Electron (${error instanceof Error ? error.message : String(error)}); \`npm start\` tries again.`)
  }
}

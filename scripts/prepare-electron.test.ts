// prepare-electron.mjs against a fake project tree and a fake exec: no downloads, no compiler.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { electronBindingPath } from './native-binding.mjs'
import { type Exec, electronExecutable, nativeBuildEnv, prepareElectron } from './prepare-electron.mjs'

let root: string
let tmpRoot: string

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
}

function makeProject({ electronBinary }: { electronBinary: boolean }): void {
  const nm = path.join(root, 'node_modules')
  write(path.join(root, 'package.json'), '{"name":"fake","type":"module"}')
  write(
    path.join(nm, 'electron', 'package.json'),
    JSON.stringify({ name: 'electron', version: '45.3.4', bin: { electron: 'cli.js', 'install-electron': 'install.js' } }),
  )
  write(path.join(nm, 'electron', 'abi_version'), '150')
  write(path.join(nm, 'electron', 'install.js'), '')
  if (electronBinary) installElectronBinary()
  write(path.join(nm, 'better-sqlite3', 'package.json'), '{"name":"better-sqlite3","version":"12.11.1"}')
  write(path.join(nm, 'better-sqlite3', 'binding.gyp'), '{}')
  write(path.join(nm, 'better-sqlite3', 'src', 'addon.cpp'), '')
  write(path.join(nm, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), 'node-abi-build')
  write(path.join(nm, 'prebuild-install', 'package.json'), '{"name":"prebuild-install","version":"7.1.3"}')
  write(path.join(nm, 'prebuild-install', 'bin.js'), '')
}

function installElectronBinary(): void {
  write(path.join(root, 'node_modules', 'electron', 'path.txt'), 'electron')
  write(path.join(root, 'node_modules', 'electron', 'dist', 'electron'), '')
}

const target = () => electronBindingPath(root, '150')
const nodeBuild = () => path.join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')

interface Call {
  script: string
  args: string[]
  cwd: string
  env: NodeJS.ProcessEnv
}

/** A fake exec: records calls; `behave` decides what each "process" does. */
function fakeExec(behave: (call: Call) => number): { exec: Exec; calls: Call[] } {
  const calls: Call[] = []
  const exec: Exec = (command, args, { cwd, env }) => {
    expect(command).toBe(process.execPath)
    const call = { script: args[0] ?? '', args: args.slice(1), cwd, env }
    calls.push(call)
    return { status: behave(call) }
  }
  return { exec, calls }
}

/** What a successful prebuild-install / node-gyp run leaves behind in its working directory. */
function produceAddon(call: Call, content: string): number {
  write(path.join(call.cwd, 'build', 'Release', 'better_sqlite3.node'), content)
  return 0
}

const quiet = { log: () => {}, error: () => {} }
const baseEnv: NodeJS.ProcessEnv = { PATH: process.env['PATH'] }

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-prep-root-'))
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-prep-tmp-'))
})

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true })
  fs.rmSync(tmpRoot, { recursive: true, force: true })
})

describe('prepareElectron', () => {
  it('does nothing when the binary and the Electron-ABI addon already exist', () => {
    makeProject({ electronBinary: true })
    write(target(), 'already-built')
    const { exec, calls } = fakeExec(() => 0)
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, ...quiet })).toBe(0)
    expect(calls).toEqual([])
    expect(fs.readFileSync(target(), 'utf8')).toBe('already-built')
  })

  it('builds with prebuild-install in a copy of the package, never touching node_modules/better-sqlite3/build', () => {
    makeProject({ electronBinary: true })
    const { exec, calls } = fakeExec((call) => produceAddon(call, 'electron-150-build'))
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, arch: 'x64', platform: 'linux', ...quiet })).toBe(0)

    expect(calls).toHaveLength(1)
    const [call] = calls
    expect(call!.script).toMatch(/prebuild-install[\\/]bin\.js$/)
    expect(call!.args).toEqual(['--runtime', 'electron', '--target', '45.3.4', '--arch', 'x64', '--platform', 'linux', '--verbose'])
    expect(call!.cwd.startsWith(tmpRoot)).toBe(true)
    expect(fs.existsSync(path.join(call!.cwd, 'binding.gyp'))).toBe(false) // temp copy cleaned up
    expect(fs.readFileSync(target(), 'utf8')).toBe('electron-150-build')
    expect(fs.readFileSync(nodeBuild(), 'utf8')).toBe('node-abi-build')
    expect(fs.readdirSync(tmpRoot)).toEqual([])
  })

  it('copies the package sources but not its Node-ABI build output', () => {
    makeProject({ electronBinary: true })
    const seen: string[][] = []
    const { exec } = fakeExec((call) => {
      seen.push(fs.readdirSync(call.cwd).sort())
      return produceAddon(call, 'x')
    })
    prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, ...quiet })
    expect(seen[0]).toEqual(['binding.gyp', 'package.json', 'src'])
  })

  it('falls back to node-gyp against the Electron headers, without npm’s nodedir', () => {
    makeProject({ electronBinary: true })
    const nodeGyp = path.join(root, 'fake-node-gyp.js')
    write(nodeGyp, '')
    const env = { ...baseEnv, npm_config_node_gyp: nodeGyp, npm_config_nodedir: '/usr', npm_config_runtime: 'node' }
    const { exec, calls } = fakeExec((call) => (call.script === nodeGyp ? produceAddon(call, 'compiled') : 1))
    expect(prepareElectron({ rootDir: root, exec, env, tmpRoot, arch: 'arm64', ...quiet })).toBe(0)

    expect(calls.map((c) => c.script)).toEqual([expect.stringMatching(/prebuild-install/), nodeGyp])
    const gyp = calls[1]!
    expect(gyp.args).toEqual([
      'rebuild',
      '--release',
      '--target=45.3.4',
      '--arch=arm64',
      '--dist-url=https://electronjs.org/headers',
      '--runtime=electron',
    ])
    expect(gyp.cwd).toBe(calls[0]!.cwd)
    expect(gyp.env['npm_config_nodedir']).toBeUndefined()
    expect(gyp.env['npm_config_runtime']).toBeUndefined()
    expect(gyp.env['npm_config_node_gyp']).toBe(nodeGyp)
    expect(fs.readFileSync(target(), 'utf8')).toBe('compiled')
    expect(fs.readFileSync(nodeBuild(), 'utf8')).toBe('node-abi-build')
  })

  it('fails with exit code 1 and a message when neither prebuilt nor compile works', () => {
    makeProject({ electronBinary: true })
    const nodeGyp = path.join(root, 'fake-node-gyp.js')
    write(nodeGyp, '')
    const errors: string[] = []
    const { exec, calls } = fakeExec(() => 1)
    const code = prepareElectron({
      rootDir: root,
      exec,
      env: { ...baseEnv, npm_config_node_gyp: nodeGyp },
      tmpRoot,
      log: () => {},
      error: (m) => errors.push(m),
    })
    expect(code).toBe(1)
    expect(calls).toHaveLength(2)
    expect(errors.join('\n')).toMatch(/node-gyp/)
    expect(fs.existsSync(target())).toBe(false)
    expect(fs.readdirSync(tmpRoot)).toEqual([])
  })

  it('rebuilds an existing addon with force', () => {
    makeProject({ electronBinary: true })
    write(target(), 'old')
    const { exec } = fakeExec((call) => produceAddon(call, 'new'))
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, force: true, ...quiet })).toBe(0)
    expect(fs.readFileSync(target(), 'utf8')).toBe('new')
  })

  it('downloads a missing Electron binary with install-electron first', () => {
    makeProject({ electronBinary: false })
    write(target(), 'already-built')
    const installScript = path.join(root, 'node_modules', 'electron', 'install.js')
    const { exec, calls } = fakeExec((call) => {
      if (call.script === installScript) installElectronBinary()
      return 0
    })
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, ...quiet })).toBe(0)
    expect(calls.map((c) => c.script)).toEqual([installScript])
  })

  it('stops with a clear message when the binary cannot be downloaded', () => {
    makeProject({ electronBinary: false })
    const errors: string[] = []
    const { exec, calls } = fakeExec(() => 1)
    const code = prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, log: () => {}, error: (m) => errors.push(m) })
    expect(code).toBe(1)
    expect(calls).toHaveLength(1) // no native build attempted
    expect(errors.join('\n')).toMatch(/ELECTRON_MIRROR/)
  })

  it('treats an install that exits 0 but leaves no binary as a failure', () => {
    makeProject({ electronBinary: false })
    const { exec } = fakeExec(() => 0)
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, ...quiet })).toBe(1)
  })

  it('fails cleanly when electron is not installed at all', () => {
    write(path.join(root, 'package.json'), '{}')
    const errors: string[] = []
    const { exec, calls } = fakeExec(() => 0)
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, log: () => {}, error: (m) => errors.push(m) })).toBe(1)
    expect(calls).toEqual([])
    expect(errors.join('\n')).toMatch(/electron package is not installed/)
  })
})

describe('electronExecutable', () => {
  it('follows path.txt into dist/, or ELECTRON_OVERRIDE_DIST_PATH', () => {
    makeProject({ electronBinary: true })
    const dir = path.join(root, 'node_modules', 'electron')
    expect(electronExecutable(dir, {})).toBe(path.join(dir, 'dist', 'electron'))
    expect(electronExecutable(dir, { ELECTRON_OVERRIDE_DIST_PATH: path.join(root, 'nowhere') })).toBeNull()
    fs.rmSync(path.join(dir, 'dist'), { recursive: true })
    expect(electronExecutable(dir, {})).toBeNull()
  })
})

describe('nativeBuildEnv', () => {
  it('drops npm settings that would redirect the native build, keeps the rest', () => {
    const env = nativeBuildEnv({
      PATH: '/bin',
      npm_config_nodedir: '/usr',
      NPM_CONFIG_NODEDIR: '/usr',
      npm_config_target: '20.0.0',
      npm_config_runtime: 'node',
      npm_config_arch: 'ia32',
      npm_config_build_from_source: 'true',
      npm_config_cache: '/root/.npm',
      ELECTRON_MIRROR: 'https://mirror/',
    })
    expect(env).toEqual({ PATH: '/bin', npm_config_cache: '/root/.npm', ELECTRON_MIRROR: 'https://mirror/' })
  })
})

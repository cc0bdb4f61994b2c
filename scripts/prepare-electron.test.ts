// prepare-electron.mjs against a fake project tree and a fake exec: no downloads, no compiler.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { electronBindingPath } from './native-binding.mjs'
import { type Exec, downloadFailureReason, electronExecutable, nativeBuildEnv, prepareElectron } from './prepare-electron.mjs'

let root: string
let tmpRoot: string

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
}

function makeProject({ electronBinary, nodeRange }: { electronBinary: boolean; nodeRange?: string }): void {
  const nm = path.join(root, 'node_modules')
  write(path.join(root, 'package.json'), '{"name":"fake","type":"module"}')
  write(
    path.join(nm, 'electron', 'package.json'),
    JSON.stringify({
      name: 'electron',
      version: '45.3.4',
      bin: { electron: 'cli.js', 'install-electron': 'install.js' },
      ...(nodeRange ? { engines: { node: nodeRange } } : {}),
    }),
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
  nodeFlags: string[]
  capture: boolean
}

/** A fake exec: records calls; `behave` decides what each "process" does (exit code, or exit code and output). */
function fakeExec(behave: (call: Call) => number | { status: number; output: string }): { exec: Exec; calls: Call[] } {
  const calls: Call[] = []
  const exec: Exec = (command, args, { cwd, env, capture }) => {
    expect(command).toBe(process.execPath)
    // Node's own flags come before the script: `--require <hook> install.js`.
    const at = args[0] === '--require' ? 2 : 0
    const call = { script: args[at] ?? '', args: args.slice(at + 1), cwd, env, nodeFlags: args.slice(0, at), capture: capture === true }
    calls.push(call)
    const outcome = behave(call)
    return typeof outcome === 'number' ? { status: outcome } : outcome
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
    // npm install without devDependencies: said, and the install goes on.
    const install: string[] = []
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, install: true, log: () => {}, error: (m) => install.push(m) })).toBe(0)
    expect(install).toEqual(['the electron package is not installed (devDependencies left out?): the desktop app is not set up; the jobdeck command is.'])
  })
})

/** What Electron's download script prints when the network is not there (with the fetch-cause hook). */
const DOWNLOAD_FAILED = [
  'TypeError: cannot fetch https://github.com/electron/electron/releases/download/v45.3.4/electron-v45.3.4-linux-x64.zip: getaddrinfo ENOTFOUND github.com',
  '    at globalThis.fetch (/x/scripts/electron-fetch-cause.cjs:24:13)',
  '    at async FetchDownloader.download (file:///x/node_modules/@electron/get/dist/FetchDownloader.js:46:30)',
  '',
].join('\n')

function recorder(): { log: (m: string) => void; error: (m: string) => void; logs: string[]; errors: string[] } {
  const logs: string[] = []
  const errors: string[] = []
  return { log: (m) => logs.push(m), error: (m) => errors.push(m), logs, errors }
}

describe('when Electron cannot be had', () => {
  it('npm start: a failed download is one message with its reason, what to do and the headless route; no stack trace', () => {
    makeProject({ electronBinary: false })
    const out = recorder()
    const { exec, calls } = fakeExec(() => ({ status: 1, output: DOWNLOAD_FAILED }))
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, arch: 'x64', platform: 'linux', ...out })).toBe(1)

    expect(calls).toHaveLength(1)
    expect(calls[0]!.capture).toBe(true) // the script's own stack trace is not shown
    expect(calls[0]!.nodeFlags).toEqual(['--require', expect.stringMatching(/electron-fetch-cause\.cjs$/)])
    expect(out.errors).toHaveLength(1)
    const [message] = out.errors
    expect(message).toContain('cannot start the desktop app: could not download the Electron 45.3.4 binary for linux-x64')
    expect(message).toContain('getaddrinfo ENOTFOUND github.com')
    expect(message).toMatch(/ELECTRON_MIRROR=/)
    expect(message).toContain('run `npm start` again')
    expect(message).toContain('npm run build && npx jobdeck serve')
    expect(message).not.toMatch(/^\s*at /m)
    expect(message).not.toContain('TypeError')
  })

  it('npm install: tries the download once, says why it failed and goes on (exit 0), building nothing', () => {
    makeProject({ electronBinary: false })
    const out = recorder()
    const { exec, calls } = fakeExec(() => ({ status: 1, output: DOWNLOAD_FAILED }))
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, install: true, ...out })).toBe(0)
    expect(calls.map((c) => c.script)).toEqual([path.join(root, 'node_modules', 'electron', 'install.js')])
    expect(out.errors).toHaveLength(1)
    expect(out.errors[0]).toContain('could not download the Electron 45.3.4 binary')
    expect(out.errors[0]).toContain('`npm start` tries again')
    expect(out.errors[0]).toContain('npm run build && npx jobdeck serve')
    expect(fs.existsSync(target())).toBe(false)
  })

  it('npm install: downloads a missing binary, and leaves the native build to npm start', () => {
    makeProject({ electronBinary: false })
    const installScript = path.join(root, 'node_modules', 'electron', 'install.js')
    const { exec, calls } = fakeExec((call) => {
      if (call.script === installScript) installElectronBinary()
      return 0
    })
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, install: true, ...quiet })).toBe(0)
    expect(calls.map((c) => c.script)).toEqual([installScript])
    expect(fs.existsSync(target())).toBe(false)
  })

  it('ELECTRON_SKIP_BINARY_DOWNLOAD (CI): npm install never tries; npm start says to unset it', () => {
    makeProject({ electronBinary: false })
    const env = { ...baseEnv, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }
    const { exec, calls } = fakeExec(() => 0)
    const install = recorder()
    expect(prepareElectron({ rootDir: root, exec, env, tmpRoot, install: true, ...install })).toBe(0)
    expect(install.errors).toEqual([])
    expect(install.logs.join('\n')).toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD is set: not downloading/)

    const start = recorder()
    expect(prepareElectron({ rootDir: root, exec, env, tmpRoot, ...start })).toBe(1)
    expect(start.errors).toHaveLength(1)
    expect(start.errors[0]).toMatch(/Unset ELECTRON_SKIP_BINARY_DOWNLOAD/)
    expect(start.errors[0]).toContain('npx jobdeck serve')
    expect(calls).toEqual([])
  })

  it('a Node older than Electron’s download tools declare: no download tried, npm start stops, npm install goes on', () => {
    makeProject({ electronBinary: false, nodeRange: '>= 22.12.0' })
    const { exec, calls } = fakeExec(() => 0)
    const start = recorder()
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, nodeVersion: '20.20.2', ...start })).toBe(1)
    expect(start.errors).toHaveLength(1)
    expect(start.errors[0]).toContain("cannot download the Electron 45.3.4 binary")
    expect(start.errors[0]).toContain("Electron's download tools need Node >= 22.12.0, and this is Node 20.20.2")
    expect(start.errors[0]).toContain('npm run build && npx jobdeck serve')
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, nodeVersion: '20.20.2', install: true, ...quiet })).toBe(0)
    expect(calls).toEqual([])

    // An installed binary runs on that Node: only its download needs the newer one.
    write(target(), 'already-built')
    installElectronBinary()
    expect(prepareElectron({ rootDir: root, exec, env: baseEnv, tmpRoot, nodeVersion: '20.20.2', ...quiet })).toBe(0)
  })

  it('is what npm install runs (postinstall), and under ELECTRON_SKIP_BINARY_DOWNLOAD it ends 0 in one line', () => {
    const checkout = fileURLToPath(new URL('..', import.meta.url))
    const pkg = JSON.parse(fs.readFileSync(path.join(checkout, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts['postinstall']).toBe('node scripts/prepare-electron.mjs --install')
    const result = spawnSync(process.execPath, [path.join(checkout, 'scripts', 'prepare-electron.mjs'), '--install'], {
      cwd: checkout,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    })
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    // Nothing when this checkout has its Electron already, else the one line.
    expect(result.stdout).toMatch(/^(|\[prepare-electron\] ELECTRON_SKIP_BINARY_DOWNLOAD is set: not downloading the Electron [\d.]+ binary for [\w-]+ \(`npm start` needs it\)\.\n)$/)
  })
})

describe('downloadFailureReason', () => {
  it('takes the error line of the script output, else its last words, else its exit code', () => {
    expect(downloadFailureReason({ status: 1, output: DOWNLOAD_FAILED })).toBe(
      'cannot fetch https://github.com/electron/electron/releases/download/v45.3.4/electron-v45.3.4-linux-x64.zip: getaddrinfo ENOTFOUND github.com',
    )
    expect(downloadFailureReason({ status: 1, output: 'HTTPError: Response code 404 (Not Found) for http://m/v45.3.4/x.zip\n    at a (b:1:1)\n' })).toBe(
      'Response code 404 (Not Found) for http://m/v45.3.4/x.zip',
    )
    expect(downloadFailureReason({ status: 1, output: 'Killed\n' })).toBe('Killed')
    expect(downloadFailureReason({ status: 3, output: '' })).toBe('the download script exited with code 3')
    expect(downloadFailureReason({ status: 1, error: new Error('spawn ENOMEM') })).toBe('spawn ENOMEM')
  })
})

/**
 * Electron's real download script (and @electron/get) in a scratch project pointed at a mirror
 * that fails: nothing leaves this machine, nothing is written to the real node_modules.
 */
describe('the real download script against a failing mirror', () => {
  const realModules = path.join(fileURLToPath(new URL('..', import.meta.url)), 'node_modules')

  function scratchProject(): void {
    const electronDir = path.join(root, 'node_modules', 'electron')
    fs.mkdirSync(electronDir, { recursive: true })
    for (const file of ['package.json', 'install.js', 'checksums.json', 'abi_version']) {
      fs.copyFileSync(path.join(realModules, 'electron', file), path.join(electronDir, file))
    }
    for (const scope of ['@electron', '@electron-internal']) fs.symlinkSync(path.join(realModules, scope), path.join(root, 'node_modules', scope))
    write(path.join(root, 'package.json'), '{"name":"fake"}')
  }

  async function freePort(): Promise<number> {
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as net.AddressInfo
    await new Promise((resolve) => server.close(resolve))
    return port
  }

  function run(mirror: string): { code: number; errors: string[] } {
    const out = recorder()
    const env = { PATH: process.env['PATH'], ELECTRON_MIRROR: mirror, electron_config_cache: path.join(tmpRoot, 'cache'), ELECTRON_GET_NO_PROGRESS: '1' }
    // The scratch project's Node check is about this test's Node, not the app's: any Node downloads here.
    const code = prepareElectron({ rootDir: root, env, tmpRoot, nodeVersion: '22.12.0', ...out })
    return { code, errors: out.errors }
  }

  it('a refused connection: the URL and ECONNREFUSED, in one message', async () => {
    scratchProject()
    const port = await freePort()
    const { code, errors } = run(`http://127.0.0.1:${port}/`)
    expect(code).toBe(1)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(`cannot fetch http://127.0.0.1:${port}/v45.3.4/electron-v45.3.4-`)
    expect(errors[0]).toMatch(/ECONNREFUSED/)
    expect(errors[0]).not.toMatch(/^\s*at /m)
    expect(fs.existsSync(path.join(root, 'node_modules', 'electron', 'dist'))).toBe(false)
  }, 30_000)

  it('a mirror without the file: the HTTP status, in one message', async () => {
    scratchProject()
    const port = await freePort()
    const server = spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => { s.statusCode = 404; s.end('no') }).listen(${port}, '127.0.0.1', () => console.log('up'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      await new Promise((resolve) => server.stdout.once('data', resolve))
      const { code, errors } = run(`http://127.0.0.1:${port}/`)
      expect(code).toBe(1)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(/Response code 404 \(Not Found\) for http:\/\/127\.0\.0\.1:\d+\/v45\.3\.4\//)
    } finally {
      server.kill()
    }
  }, 30_000)
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

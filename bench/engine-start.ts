// How long the engine takes from its process starting to `ready`, as the app's main process sees it
// (out/main/engine.js, the built entry Electron runs as a utility process, here forked by Node with
// the same IPC channel tests use), and how big the window's scripts are to load (gzip of each
// out/renderer chunk). Old and new builds alternate run by run, so the machine's load falls on both.
//
// Build first (`npx electron-vite build`). BENCH_ENGINE_OLD=/path/to/other/checkout (built too)
// compares; BENCH_ENGINE_RUNS (default 15) runs each.
import { fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { fmt, percentile, report, REPORT_CONFIG } from './bench-support'

const root = fileURLToPath(new URL('..', import.meta.url))

function startOnce(checkout: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-engine-start-'))
  const configPath = path.join(dir, 'jobdeck.yaml')
  fs.writeFileSync(configPath, REPORT_CONFIG)
  const started = performance.now()
  const child = fork(path.join(checkout, 'out', 'main', 'engine.js'), [`--data-dir=${path.join(dir, 'data')}`, `--config=${configPath}`], {
    // Not this script's `--import tsx`, which fork would pass on: the engine runs as built.
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise<number>((resolve, reject) => {
    let readyAfter: number | null = null
    child.on('message', (message: { kind?: string }) => {
      if (message.kind !== 'ready' || readyAfter !== null) return
      readyAfter = performance.now() - started
      child.kill('SIGTERM')
    })
    child.once('exit', (code) => {
      fs.rmSync(dir, { recursive: true, force: true })
      if (readyAfter === null) reject(new Error(`engine exited ${code} before ready: ${stderr}`))
      else resolve(readyAfter)
    })
  })
}

function chunkSizes(checkout: string): Array<{ file: string; raw: number; gzip: number }> {
  const assets = path.join(checkout, 'out', 'renderer', 'assets')
  return fs
    .readdirSync(assets)
    .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
    .map((file) => {
      const bytes = fs.readFileSync(path.join(assets, file))
      return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
    })
    .sort((a, b) => b.gzip - a.gzip)
}

/** The chunks index.html loads before the window shows anything: its script, preloads and styles. */
function firstLoad(checkout: string, chunks: ReadonlyArray<{ file: string; gzip: number }>): number {
  const html = fs.readFileSync(path.join(checkout, 'out', 'renderer', 'index.html'), 'utf8')
  const named = new Set([...html.matchAll(/(?:src|href)="\.\/assets\/([^"]+)"/g)].map((m) => m[1]))
  return chunks.filter((c) => named.has(c.file)).reduce((sum, c) => sum + c.gzip, 0)
}

const kib = (n: number): string => `${fmt(n / 1024, 1)} KiB`

export async function benchEngineStart(): Promise<void> {
  const runs = Number(process.env.BENCH_ENGINE_RUNS ?? 15)
  const old = process.env.BENCH_ENGINE_OLD ? path.resolve(process.env.BENCH_ENGINE_OLD) : null
  const trees: Array<[string, string]> = old ? [['old', old], ['new', root]] : [['new', root]]
  const times = new Map<string, number[]>(trees.map(([name]) => [name, []]))
  await startOnce(root) // a first start warms the page cache for both alike
  for (let i = 0; i < runs; i++) {
    for (const [name, tree] of i % 2 === 0 ? trees : [...trees].reverse()) times.get(name)?.push(await startOnce(tree))
  }
  const rows: Array<[string, string]> = []
  for (const [name] of trees) {
    const sorted = [...(times.get(name) ?? [])].sort((a, b) => a - b)
    rows.push([`${name} engine start → ready`, `p50 ${fmt(percentile(sorted, 50), 0)} ms, p95 ${fmt(percentile(sorted, 95), 0)} ms (${runs} runs)`])
  }
  if (old) {
    const p50 = (name: string): number => percentile([...(times.get(name) ?? [])].sort((a, b) => a - b), 50)
    rows.push(['new / old (p50)', `${fmt(p50('new') / p50('old'))}×`])
  }
  for (const [name, tree] of trees) {
    const chunks = chunkSizes(tree)
    const js = chunks.filter((c) => c.file.endsWith('.js'))
    rows.push([`${name} window's first load (gzip)`, kib(firstLoad(tree, chunks))])
    rows.push([`${name} renderer scripts (gzip)`, `${kib(js.reduce((s, c) => s + c.gzip, 0))} in ${js.length} chunks, raw ${kib(js.reduce((s, c) => s + c.raw, 0))}`])
    for (const c of chunks.slice(0, 6)) rows.push([`  ${name} ${c.file}`, `${kib(c.gzip)} gzip, ${kib(c.raw)} raw`])
  }
  report('Engine start and renderer bundle', rows)
}


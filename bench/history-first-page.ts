// History's first page over a large history (default 1M runs over 30 days, see history-data.ts):
//  (a) `runs.list({limit: 200})` through the engine API in-process: p50 of several calls, with
//      no filter, a type, a status, a time range, search terms (common, rare, absent) and a deep
//      keyset page; the query plan of any case over the target is printed (searches: the old
//      single statement only). Then `runs.count` (the header's figures): all runs from the
//      counters, and searches counted up to 10,000.
//  (0) Opening a kept data dir runs the migrations it lacks: seeded by an older tree, that open
//      is the time migration 7 takes on a big history (printed with the schema versions).
//  (b) in Chromium against the headless server: from the click on "History" to the first page of
//      rows in the DOM (and painted), read from the view's hook `window.__jobdeckPerf.history`.
// Target: first page ≤ 50 ms. BENCH_HISTORY_RUNS sets the size; BENCH_HISTORY_DIR keeps (and
// reuses) the seeded data dir between runs; JOBDECK_RENDERER_DIR serves another renderer build.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { chromium } from 'playwright-core'
import type { ApiArgs } from '../src-shared/api'
import { createCore, type Core } from '../src-main/core/core'
import { runListQuery } from '../src-main/core/store/sqlite/sqlite-store'
import { startServer } from '../src-main/server/server'
import { fmt, percentile, report } from './bench-support'
import { historyConfigYaml, RARE_PHRASE, seedHistory } from './history-data'

const RUNS = Number(process.env.BENCH_HISTORY_RUNS ?? 1_000_000)
const TARGET_MS = 50
const API_CALLS = 15
const BROWSER_OPENS = 7
const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The built renderer; JOBDECK_RENDERER_DIR (as for `jobdeck serve`) points at another build. */
const RENDERER_DIR = process.env.JOBDECK_RENDERER_DIR ? path.resolve(process.env.JOBDECK_RENDERER_DIR) : path.join(ROOT, 'out/renderer')

type ListArgs = ApiArgs<'runs.list'>

/** The seeded core: in a kept dir when BENCH_HISTORY_DIR says so (seeded once), else a temp one. */
function openSeeded(): { core: Core; seeded: string; middle: { startedAt: string; id: string }; dispose(): Promise<void> } {
  const keep = process.env.BENCH_HISTORY_DIR
  const dir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-history-'))
  fs.mkdirSync(dir, { recursive: true })
  const configPath = path.join(dir, 'jobdeck.yaml')
  const marker = path.join(dir, `seeded-${RUNS}.json`)
  fs.writeFileSync(configPath, historyConfigYaml())
  const dbFile = path.join(dir, 'data', 'jobdeck.sqlite')
  const versionBefore = fs.existsSync(dbFile) ? schemaVersion(dbFile) : null
  const opening = performance.now()
  const core = createCore({ dataDir: path.join(dir, 'data'), configPath })
  const openMs = performance.now() - opening
  let seeded: string
  let middle: { startedAt: string; id: string }
  if (keep && fs.existsSync(marker)) {
    ;({ middle } = JSON.parse(fs.readFileSync(marker, 'utf8')) as { middle: typeof middle })
    seeded = `reused ${dir}; opened in ${fmt(openMs / 1000, 1)} s, schema ${versionBefore} → ${core.store.db.pragma('user_version', { simple: true }) as number}`
  } else {
    const result = seedHistory(core.store.db, RUNS)
    middle = result.middle
    seeded = `${result.runs.toLocaleString('en-US')} runs, ${result.jobs.toLocaleString('en-US')} jobs, ${result.logLines.toLocaleString('en-US')} output lines in ${fmt(result.ms / 1000, 1)} s`
    if (keep) fs.writeFileSync(marker, JSON.stringify({ middle }))
  }
  return {
    core,
    seeded,
    middle,
    async dispose() {
      await core.close()
      if (!keep) fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

function schemaVersion(file: string): number {
  const db = new Database(file, { readonly: true })
  try {
    return db.pragma('user_version', { simple: true }) as number
  } finally {
    db.close()
  }
}

async function p50(fn: () => Promise<unknown>): Promise<{ p50: number; max: number; rows: number }> {
  let rows = 0
  for (let i = 0; i < 2; i++) await fn()
  const samples: number[] = []
  for (let i = 0; i < API_CALLS; i++) {
    const t0 = performance.now()
    const result = await fn()
    samples.push(performance.now() - t0)
    rows = Array.isArray(result) ? result.length : rows
  }
  samples.sort((a, b) => a - b)
  return { p50: percentile(samples, 50), max: samples[samples.length - 1] as number, rows }
}

/** The statement SqliteStore.listRuns runs for these API args, for EXPLAIN QUERY PLAN. */
function listSql(args: ListArgs): { sql: string; params: Record<string, string | number> } {
  const { sql, args: params } = runListQuery({
    limit: args.limit,
    ...(args.type ? { type: args.type } : {}),
    ...(args.status ? { status: args.status } : {}),
    ...(args.since !== undefined ? { since: Number(args.since) } : {}),
    ...(args.before ? { before: { startedAt: Date.parse(args.before.startedAt), id: args.before.id } } : {}),
    ...(args.search ? { search: args.search } : {}),
  })
  return { sql, params }
}

function queryPlan(core: Core, args: ListArgs): string {
  const { sql, params } = listSql(args)
  const rows = core.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ id: number; parent: number; detail: string }>
  const depth = new Map<number, number>([[0, 0]])
  return rows
    .map((r) => {
      const d = (depth.get(r.parent) ?? 0) + 1
      depth.set(r.id, d)
      return `      ${'  '.repeat(d - 1)}${r.detail}`
    })
    .join('\n')
}

async function benchApi(core: Core, middle: { startedAt: string; id: string }): Promise<{ apiMs: number; cases: Array<[string, number]> }> {
  const now = Date.now()
  const cases: Array<[string, ListArgs]> = [
    ['no filter', { limit: 200 }],
    ['type = sync-inventory', { type: 'sync-inventory', limit: 200 }],
    ['type = rebuild-report (7%)', { type: 'rebuild-report', limit: 200 }],
    ['status = failed', { status: 'failed', limit: 200 }],
    ['status = interrupted (0.3%)', { status: 'interrupted', limit: 200 }],
    ['type + status (rebuild-report, failed)', { type: 'rebuild-report', status: 'failed', limit: 200 }],
    ['last 24 h', { since: now - 86_400_000, limit: 200 }],
    ['deep page (keyset, mid-history)', { before: middle, limit: 200 }],
    ['search "warehouse" (common)', { search: 'warehouse', limit: 200 }],
    ['search "503 unavail" (errors)', { search: '503 unavail', limit: 200 }],
    [`search "${RARE_PHRASE}" (1 in 10k)`, { search: RARE_PHRASE, limit: 200 }],
    ['search "zebra" (no match)', { search: 'zebra', limit: 200 }],
    ['search "dealer" + type sync-inventory (no match)', { search: 'dealer', type: 'sync-inventory', limit: 200 }],
  ]
  const rows: Array<[string, string]> = []
  const slow: Array<[string, ListArgs]> = []
  const figures: Array<[string, number]> = []
  let apiMs = NaN
  for (const [name, args] of cases) {
    const r = await p50(() => core.api['runs.list'](args))
    if (name === 'no filter') apiMs = r.p50
    figures.push([name, r.p50])
    rows.push([name, `p50 ${fmt(r.p50, 2)} ms · max ${fmt(r.max, 1)} ms · ${r.rows} rows · ${fmt(r.p50 / TARGET_MS, 2)}× target`])
    if (r.p50 > TARGET_MS / 2) slow.push([name, args])
  }
  const exp = await p50(() => core.api['runs.export']({ limit: 10_000 }))
  rows.push(['runs.export 10k rows (CSV)', `p50 ${fmt(exp.p50, 1)} ms`])
  const stats = await p50(() => core.api['stats.byType']({}))
  rows.push(['stats.byType', `p50 ${fmt(stats.p50, 2)} ms · ${fmt(stats.p50 / TARGET_MS, 2)}× target`])
  report(`history API in-process, runs.list limit 200, p50 of ${API_CALLS} (target first page ≤ ${TARGET_MS} ms)`, rows)
  const counts: Array<[string, ApiArgs<'runs.count'>]> = [
    ['all runs (counters)', { countUpTo: 10_000 }],
    ['status = failed (counters)', { status: 'failed', countUpTo: 10_000 }],
    ['last 24 h (bounded)', { since: now - 86_400_000, countUpTo: 10_000 }],
    ['search "warehouse" (common)', { search: 'warehouse', countUpTo: 10_000 }],
    ['search "503 unavail" (errors)', { search: '503 unavail', countUpTo: 10_000 }],
    [`search "${RARE_PHRASE}" (1 in 10k)`, { search: RARE_PHRASE, countUpTo: 10_000 }],
    ['search "dealer" + type sync-inventory (no match)', { search: 'dealer', type: 'sync-inventory', countUpTo: 10_000 }],
  ]
  const countRows: Array<[string, string]> = []
  if ('runs.count' in core.api) {
    for (const [name, args] of counts) {
      let answer = ''
      const r = await p50(async () => {
        const c = await core.api['runs.count'](args)
        answer = `${c.capped ? 'more than ' : ''}${c.count.toLocaleString('en-US')}`
        return c
      })
      countRows.push([name, `p50 ${fmt(r.p50, 2)} ms · max ${fmt(r.max, 1)} ms · ${answer}`])
    }
    report(`history API in-process, runs.count (the header's counts), p50 of ${API_CALLS}`, countRows)
  }
  for (const [name, args] of slow) {
    if (args.search) continue
    process.stdout.write(`\n  query plan of "${name}" (over ${TARGET_MS / 2} ms):\n${queryPlan(core, args)}\n`)
  }
  return { apiMs, cases: figures }
}

interface HistoryPerf {
  setupAt: number | null
  mountedAt: number | null
  dataAt: number | null
  rowsAt: number | null
  paintedAt: number | null
  rows: number
}

async function benchBrowser(core: Core): Promise<{ renderMs: number; paintMs: number }> {
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html')) && !process.env.JOBDECK_RENDERER_DIR) {
    process.stdout.write('building the renderer (npx electron-vite build)…\n')
    const built = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'inherit' })
    if (built.status !== 0) throw new Error(`electron-vite build failed with exit code ${built.status}`)
  }
  const server = await startServer({ core, staticDir: RENDERER_DIR, log: () => {} })
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text())
    })
    const open = async (): Promise<{ rows: number; painted: number; setup: number; mounted: number; data: number; dom: number; count: number }> =>
      page.evaluate(async () => {
        const g = globalThis as unknown as {
          __jobdeckPerf?: { history?: HistoryPerf }
          document: { querySelector(s: string): { click(): void; textContent: string | null } | null }
          performance: { now(): number }
        }
        const t0 = g.performance.now()
        g.document.querySelector('a[href="#/history"]')?.click()
        for (;;) {
          const h = g.__jobdeckPerf?.history
          if (h && h.setupAt !== null && h.setupAt >= t0 && h.paintedAt !== null && h.rowsAt !== null && h.dataAt !== null) {
            return { rows: h.rowsAt - t0, painted: h.paintedAt - t0, setup: h.setupAt - t0, mounted: (h.mountedAt ?? NaN) - h.setupAt, data: h.dataAt - h.setupAt, dom: h.rowsAt - h.dataAt, count: h.rows }
          }
          if (g.performance.now() - t0 > 30_000) {
            const shown = g.document.querySelector('[data-view="history"]')?.textContent ?? 'no History view'
            throw new Error(`History showed no rows within 30 s: ${JSON.stringify(h)} · ${shown.replace(/\s+/g, ' ').slice(0, 300)}`)
          }
          await new Promise((resolve) => setTimeout(resolve, 1))
        }
      })
    const cold: Array<Awaited<ReturnType<typeof open>>> = []
    for (let i = 0; i < BROWSER_OPENS + 1; i++) {
      // A fresh document each time (a hash change alone would keep it): no History chunk
      // evaluated, no store, and the WebSocket already open, as when an operator clicks.
      await page.goto('about:blank')
      await page.goto(`${server.openUrl}#/queue`)
      await page.waitForSelector('a[href="#/history"]')
      await page.waitForTimeout(600)
      const r = await open().catch((e: unknown) => {
        throw new Error(`${(e as Error).message}\npage errors: ${problems.join(' | ') || 'none'}`)
      })
      if (i > 0) cold.push(r) // the first load also compiles the chunk from the network
    }
    // Reopening within the same page: the store still holds the rows.
    const warm: number[] = []
    for (let i = 0; i < BROWSER_OPENS; i++) {
      await page.click('a[href="#/queue"]')
      await page.waitForTimeout(200)
      warm.push((await open()).rows)
    }
    const med = (pick: (r: (typeof cold)[number]) => number): number => percentile(cold.map(pick).sort((a, b) => a - b), 50)
    const renderMs = med((r) => r.rows)
    const paintMs = med((r) => r.painted)
    const warmMs = percentile(warm.sort((a, b) => a - b), 50)
    report(`History in Chromium, click → first page of rows, median of ${BROWSER_OPENS} page loads (target ≤ ${TARGET_MS} ms)`, [
      ['click → rows in the DOM', `${fmt(renderMs, 1)} ms · ${fmt(renderMs / TARGET_MS, 2)}× target`],
      ['click → rows painted (next frame)', `${fmt(paintMs, 1)} ms`],
      ['  click → view set up (route chunk)', `${fmt(med((r) => r.setup), 1)} ms`],
      ['  set up → view mounted without rows', `${fmt(med((r) => r.mounted), 1)} ms`],
      ['  set up → first page arrived (WebSocket + engine)', `${fmt(med((r) => r.data), 1)} ms`],
      ['  page arrived → rows in the DOM', `${fmt(med((r) => r.dom), 1)} ms`],
      ['rows rendered (virtualised)', `${cold[0]?.count ?? 0} of the 200 loaded`],
      ['reopen (store already loaded) → rows', `${fmt(warmMs, 1)} ms`],
    ])
    return { renderMs, paintMs }
  } finally {
    await browser.close()
    await server.close()
  }
}

export async function benchHistoryFirstPage(): Promise<{ apiMs: number; renderMs: number }> {
  const t0 = performance.now()
  const env = openSeeded()
  try {
    report(`history data (${RUNS.toLocaleString('en-US')} runs over 30 days)`, [['seeded', `${env.seeded} (setup ${fmt((performance.now() - t0) / 1000, 1)} s)`]])
    const { apiMs } = process.env.BENCH_HISTORY_SKIP_API ? { apiMs: NaN } : await benchApi(env.core, env.middle)
    const { renderMs } = await benchBrowser(env.core)
    return { apiMs, renderMs }
  } finally {
    await env.dispose()
  }
}

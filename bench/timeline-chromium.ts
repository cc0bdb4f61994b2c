// Timeline in Chromium with a busy day: 100k runs over 24 h. Measures (a) from the click on
// "Timeline" to the chart painted with the day's runs (route chunk, queries, draw; the view's
// own paint hook, window.__jobdeckPerf.timeline) and (b) each kind of zoom, from the input event
// (its own timeStamp, on the page's clock) to the re-queried window painted: a programmatic
// dataZoom to 1 h, one wheel notch, a brush drag, and the + / - keys. Set
// BENCH_TIMELINE_OLD_RENDERER to another checkout's built renderer (out/renderer) to measure it
// in the same sitting, against the same data: gestures it does not have are left out.
// Targets: (a) ≤ 250 ms, (b) ≤ 100 ms.
import { performance } from 'node:perf_hooks'
import type { Page } from 'playwright-core'
import { fmt, report } from './bench-support'
import { ensureRendererBuilt, freshPageThen, launchChromium, median, RENDERER_DIR, serve } from './browser-support'
import { seedTimelineCore, type SeededCore } from './timeline-data'

const RUNS = Number(process.env.BENCH_TIMELINE_RUNS ?? 100_000)
const OLD_RENDERER = process.env.BENCH_TIMELINE_OLD_RENDERER
const FIRST_PAINT_TARGET_MS = 250
const ZOOM_TARGET_MS = 100
const REPEATS = 7
const FIRST_PAINTS = 3
const HOUR = 3_600_000

type Gesture = 'dispatch' | 'wheel' | 'brush' | 'keys'
const GESTURE_LABEL: Record<Gesture, string> = {
  dispatch: 'zoom to 1 h (programmatic dataZoom)',
  wheel: 'wheel notch',
  brush: 'brush drag',
  keys: '+ / - key',
}

interface Paint {
  at: number
  reason: string
  since: number
  until: number
  items: number
  blocks: number
  sentAt: number
  fetchMs: number
  renderMs: number
  /** Absent before issue 12 (every zoom paint was then a re-queried one). */
  exact?: boolean
}

/** What the page exposes (no DOM types on this side of the fence). */
interface PageGlobals {
  __jobdeckPerf?: { timeline?: { paints: Paint[]; chart: { dispatchAction(action: object): void; getDom(): { getBoundingClientRect(): Rect } } | null } }
  __benchInput?: { at: number }
  performance: { now(): number }
  addEventListener(type: string, listener: (e: { timeStamp: number }) => void, capture: boolean): void
  document: { querySelector(selector: string): { click(): void } | null }
}

interface Rect {
  left: number
  top: number
  width: number
  height: number
}

interface Measured {
  ms: number
  paint: Paint
}

/**
 * Waits for the first paint at or after `since` (page clock) whose window is not `before` and
 * whose span is in bounds: any paint of the new window with its runs (`shown`: drawn from an
 * answer already here, or a new one), or only one re-queried for exactly that window
 * (`refined`; null if none comes within `waitMs`, as when the answer here was fine enough).
 */
async function paintSince(
  page: Page,
  since: number,
  before: { since: number; until: number } | null,
  minSpanMs: number,
  maxSpanMs: number,
  kind: 'shown' | 'refined' = 'shown',
  waitMs = 30_000,
): Promise<Measured> {
  const found = await paintWithin(page, since, before, minSpanMs, maxSpanMs, kind, waitMs)
  if (!found) throw new Error(`no timeline paint within ${waitMs} ms`)
  return found
}

async function paintWithin(
  page: Page,
  since: number,
  before: { since: number; until: number } | null,
  minSpanMs: number,
  maxSpanMs: number,
  kind: 'shown' | 'refined',
  waitMs: number,
): Promise<Measured | null> {
  return page.evaluate(
    async ({ since, before, minSpanMs, maxSpanMs, kind, waitMs }) => {
      const g = globalThis as unknown as PageGlobals
      const deadline = g.performance.now() + waitMs
      for (;;) {
        const paints = g.__jobdeckPerf?.timeline?.paints ?? []
        const found = paints.find(
          (p) =>
            (kind === 'shown' ? p.reason === 'data' || p.reason === 'zoom' : p.reason === 'data' && p.exact !== false) &&
            p.at >= since &&
            p.until - p.since >= minSpanMs &&
            p.until - p.since <= maxSpanMs &&
            (!before || Math.abs(p.since - before.since) > 1 || Math.abs(p.until - before.until) > 1),
        )
        if (found) return { ms: found.at - since, paint: found }
        if (g.performance.now() > deadline) return null
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    },
    { since, before, minSpanMs, maxSpanMs, kind, waitMs },
  )
}

/** The time of the latest wheel / keydown / mouseup the page saw (the event's own timeStamp). */
async function lastInput(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).__benchInput?.at ?? 0)
}

async function installInputProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals
    g.__benchInput = { at: 0 }
    for (const type of ['wheel', 'keydown', 'mouseup']) {
      g.addEventListener(
        type,
        (e) => {
          if (g.__benchInput) g.__benchInput.at = e.timeStamp
        },
        true,
      )
    }
  })
}

async function lastPaint(page: Page): Promise<Paint> {
  return page.evaluate(() => {
    const paints = (globalThis as unknown as PageGlobals).__jobdeckPerf?.timeline?.paints ?? []
    const last = [...paints].reverse().find((p) => p.reason === 'data' || p.reason === 'zoom')
    if (!last) throw new Error('no data paint yet')
    return last
  })
}

async function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).performance.now())
}

/** Zooms back out to the whole range with a programmatic dataZoom, waits for its paint, then lets the view settle. */
async function zoomOut(page: Page, whole: { since: number; until: number }): Promise<void> {
  const current = await lastPaint(page)
  if (Math.abs(current.since - whole.since) <= 1 && Math.abs(current.until - whole.until) <= 1) return
  const t = await pageNow(page)
  await page.evaluate(() => (globalThis as unknown as PageGlobals).__jobdeckPerf?.timeline?.chart?.dispatchAction({ type: 'dataZoom', start: 0, end: 100 }))
  await paintSince(page, t, current, 0.9 * (whole.until - whole.since), 1.1 * (whole.until - whole.since))
  await page.waitForTimeout(250)
}

async function plotBox(page: Page): Promise<Rect> {
  const box = await page.getByTestId('timeline-chart').boundingBox()
  if (!box) throw new Error('no chart box')
  // The Gantt's plot: right of the row labels (162 px), below the time axis, above the host grid.
  return { left: box.x + 170, top: box.y + 40, width: box.width - 200, height: 120 }
}

interface ZoomFigure {
  shown: Measured
  /** The re-queried paint, when one came (the answer here was not fine enough for the new window). */
  refined: Measured | null
}

async function measureGesture(page: Page, gesture: Gesture, whole: { since: number; until: number }, i: number): Promise<ZoomFigure> {
  const span = whole.until - whole.since
  const before = await lastPaint(page)
  const { t, min, max } = await performGesture(page, gesture, whole, span, i)
  const shown = await paintSince(page, t, before, min, max).catch((e: unknown) => {
    throw new Error(`${gesture} #${i + 1}: ${(e as Error).message}`)
  })
  const refined = await paintWithin(page, t, before, min, max, 'refined', 1500)
  await zoomOut(page, whole)
  return { shown, refined }
}

/** Performs one zoom; returns when its input happened (page clock) and the span to expect. */
async function performGesture(page: Page, gesture: Gesture, whole: { since: number; until: number }, span: number, i: number): Promise<{ t: number; min: number; max: number }> {
  const plot = await plotBox(page)
  const y = plot.top + 30
  switch (gesture) {
    case 'dispatch': {
      // A different hour each time, ending 2…14 h before the range's end.
      const end = whole.until - (2 + i * 2) * HOUR
      const pct = (t: number): number => ((t - whole.since) / span) * 100
      const t = await page.evaluate(
        ({ start, end }) => {
          const g = globalThis as unknown as PageGlobals
          const at = g.performance.now()
          g.__jobdeckPerf?.timeline?.chart?.dispatchAction({ type: 'dataZoom', start, end })
          return at
        },
        { start: pct(end - HOUR), end: pct(end) },
      )
      return { t, min: 0.9 * HOUR, max: 1.1 * HOUR }
    }
    case 'wheel': {
      await page.mouse.move(plot.left + plot.width * (0.3 + 0.06 * i), y)
      await page.waitForTimeout(50)
      await page.mouse.wheel(0, -100)
      return { t: await lastInput(page), min: 0.2 * span, max: 0.99 * span }
    }
    case 'brush': {
      const x0 = plot.left + plot.width * (0.2 + 0.08 * i)
      await page.mouse.move(x0, y)
      await page.mouse.down()
      await page.mouse.move(x0 + plot.width * 0.05, y, { steps: 4 })
      await page.mouse.up()
      return { t: await lastInput(page), min: 0.01 * span, max: 0.2 * span }
    }
    case 'keys': {
      await page.getByTestId('timeline-chart').focus()
      await page.keyboard.press('+')
      return { t: await lastInput(page), min: 0.2 * span, max: 0.99 * span }
    }
  }
}

export interface Figures {
  label: string
  firsts: Measured[]
  zooms: Partial<Record<Gesture, ZoomFigure[]>>
}

export async function measure(seeded: SeededCore, label: string, staticDir: string, gestures: readonly Gesture[]): Promise<Figures> {
  const server = await serve(seeded.core, staticDir)
  const browser = await launchChromium()
  try {
    // First paint: a click on "Timeline" in an app already open on Queue. The first navigation
    // is cold (chunks fetched and compiled); two more in fresh pages show it with a warm cache.
    const firsts: Measured[] = []
    let page: Page | null = null
    for (let i = 0; i < FIRST_PAINTS; i++) {
      await page?.close()
      const fresh = await freshPageThen(browser, server, { click: 'a[href="#/timeline"]' })
      page = fresh.page
      firsts.push(await paintSince(fresh.page, fresh.at, null, 23 * HOUR, 27 * HOUR))
    }
    if (!page) throw new Error('no page')
    // The range of the page measured on (the last navigation's).
    const shown = (firsts.at(-1) as Measured).paint
    const whole = { since: shown.since, until: shown.until }
    await installInputProbe(page)
    await page.waitForTimeout(300)
    const zooms: Figures['zooms'] = {}
    for (const gesture of gestures) {
      const list: ZoomFigure[] = []
      await zoomOut(page, whole)
      for (let i = 0; i < REPEATS; i++) list.push(await measureGesture(page, gesture, whole, i))
      zooms[gesture] = list
    }
    return { label, firsts, zooms }
  } finally {
    await browser.close()
    await server.close()
  }
}

const worstOf = (list: readonly Measured[]): number => Math.max(...list.map((m) => m.ms))

function describeZoom(list: readonly ZoomFigure[]): string {
  const shown = list.map((z) => z.shown)
  const ms = median(shown.map((m) => m.ms))
  const mid = shown.find((m) => m.ms === ms) ?? (shown[0] as Measured)
  // The same paint (by its time) when the first paint of the new window was already re-queried.
  const refined = list.flatMap((z) => (z.refined && z.refined.paint.at !== z.shown.paint.at ? [z.refined] : []))
  const exact = list.filter((z) => z.refined?.paint.at === z.shown.paint.at).length
  const drawnFrom = exact === list.length ? 're-queried' : `${list.length - exact} of ${list.length} from the answer already here`
  const then = refined.length
    ? `; re-queried paint after median ${fmt(median(refined.map((m) => m.ms)), 0)} ms, worst ${fmt(worstOf(refined), 0)} ms (${refined.length} of ${list.length})`
    : ''
  return `median ${fmt(ms, 0)} ms, worst ${fmt(worstOf(shown), 0)} ms  (target ≤ ${ZOOM_TARGET_MS}: ${fmt(ms / ZOOM_TARGET_MS, 2)}×)  · ${drawnFrom}, drawn in ${fmt(mid.paint.renderMs, 0)} ms; ${mid.paint.items} bars + ${mid.paint.blocks} blocks${then}`
}

export async function benchTimeline(): Promise<{ firstPaintMs: number; zoomMs: number }> {
  ensureRendererBuilt()
  const t0 = performance.now()
  const seeded = seedTimelineCore(RUNS)
  const seedMs = performance.now() - t0
  try {
    const variants: Figures[] = []
    const title = `timeline in Chromium, ${seeded.runs.toLocaleString('en-US')} runs over 24 h (seeded in ${fmt(seedMs / 1000, 1)} s)`
    if (OLD_RENDERER) {
      variants.push(await measure(seeded, 'old', OLD_RENDERER, ['dispatch', 'wheel']))
      report(`${title}: ${OLD_RENDERER}`, rowsOf(variants[0] as Figures))
    }
    variants.push(await measure(seeded, OLD_RENDERER ? 'new' : 'this checkout', RENDERER_DIR, ['dispatch', 'wheel', 'brush', 'keys']))
    const mine = variants.at(-1) as Figures
    const rows = rowsOf(mine)
    const old = variants.find((v) => v.label === 'old')
    if (old) {
      for (const gesture of ['dispatch', 'wheel'] as const) {
        const a = old.zooms[gesture]
        const b = mine.zooms[gesture]
        const ma = a?.map((z) => z.shown)
        const mb = b?.map((z) => z.shown)
        if (ma && mb) rows.push([`new / old: ${GESTURE_LABEL[gesture]}`, `${fmt(median(mb.map((m) => m.ms)) / median(ma.map((m) => m.ms)), 2)}× median, ${fmt(worstOf(mb) / worstOf(ma), 2)}× worst`])
      }
      rows.push(['new / old: first paint, cold', `${fmt((mine.firsts[0] as Measured).ms / (old.firsts[0] as Measured).ms, 2)}×`])
    }
    report(`${title}: ${RENDERER_DIR}`, rows)
    return { firstPaintMs: (mine.firsts[0] as Measured).ms, zoomMs: median((mine.zooms.dispatch ?? []).map((z) => z.shown.ms)) }
  } finally {
    await seeded.dispose()
  }
}

export function rowsOf(v: Figures): Array<[string, string]> {
  const first = v.firsts[0] as Measured
  const rows: Array<[string, string]> = [
    [
      `${v.label}: first paint, cold`,
      `${fmt(first.ms, 0)} ms  (target ≤ ${FIRST_PAINT_TARGET_MS}: ${fmt(first.ms / FIRST_PAINT_TARGET_MS, 2)}×)  · answered after ${fmt(first.paint.fetchMs, 0)} ms, drawn in ${fmt(first.paint.renderMs, 0)} ms; ${first.paint.items} bars + ${first.paint.blocks} blocks over ${fmt((first.paint.until - first.paint.since) / HOUR, 1)} h`,
    ],
    [`${v.label}: first paint, ${FIRST_PAINTS} navigations`, `${v.firsts.map((f) => fmt(f.ms, 0)).join(' / ')} ms (the first cold)`],
  ]
  for (const [gesture, list] of Object.entries(v.zooms) as Array<[Gesture, ZoomFigure[]]>) {
    rows.push([`${v.label}: ${GESTURE_LABEL[gesture]}, ${list.length}×`, describeZoom(list)])
  }
  return rows
}

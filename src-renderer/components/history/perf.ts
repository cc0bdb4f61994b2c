// A tiny hook for the History benchmark (bench/history-first-page.ts): when the view was set up,
// when its first page arrived, when those rows were in the DOM and when they were painted, as
// `performance.now()` times in `window.__jobdeckPerf.history`, plus `performance.mark`s.

export interface HistoryPerf {
  setupAt: number | null
  /** The view is in the DOM (with or without rows). */
  mountedAt: number | null
  dataAt: number | null
  rowsAt: number | null
  paintedAt: number | null
  /** Runs in the first page, then rows in the DOM once rendered. */
  rows: number
}

/** Other views keep their own entries beside this one, so no global declaration here. */
function entry(): HistoryPerf {
  const w = window as unknown as { __jobdeckPerf?: { history?: HistoryPerf } }
  const perf = (w.__jobdeckPerf ??= {})
  return (perf.history ??= { setupAt: null, mountedAt: null, dataAt: null, rowsAt: null, paintedAt: null, rows: 0 })
}

export function perfMark(step: 'setup' | 'mounted' | 'data' | 'rows' | 'painted', rows = 0): void {
  const history = entry()
  const at = performance.now()
  if (step === 'setup') {
    Object.assign(history, { setupAt: at, mountedAt: null, dataAt: null, rowsAt: null, paintedAt: null, rows: 0 })
  } else {
    history[`${step}At`] = at
    if (rows) history.rows = rows
  }
  performance.mark(`jobdeck:history:${step}`)
}

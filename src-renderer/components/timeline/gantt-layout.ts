// Where the timeline chart puts its grids, in pixels; no ECharts here, so the view can size its
// first query before the chart's code has loaded.

export interface GanttLayout {
  width: number
  height: number
  left: number
  right: number
  ganttTop: number
  ganttHeight: number
  hostTop: number
  hostHeight: number
  /** Rows shown at once; fewer than all rows adds a vertical slider. */
  rowsVisible: number
  rowSlider: boolean
  sliderTop: number
  /** What the chart needs; at most the height it was given. */
  totalHeight: number
}

export const LABEL_WIDTH = 150
const MIN_BAND = 20
const MAX_BAND = 40
const HOST_HEIGHT = 76

export function computeLayout(width: number, height: number, rowCount: number): GanttLayout {
  const ganttTop = 26
  // Below the Gantt: gap, host grid, its time labels, the slider.
  const below = 14 + HOST_HEIGHT + 24 + 30
  const room = Math.max(120, height - ganttTop - below)
  const rows = Math.max(1, rowCount)
  const rowsVisible = Math.max(1, Math.min(rows, Math.floor(room / MIN_BAND)))
  const rowSlider = rowsVisible < rows
  const ganttHeight = rowSlider ? room : Math.max(Math.min(room, 120), Math.min(room, rows * MAX_BAND))
  const hostTop = ganttTop + ganttHeight + 14
  const sliderTop = hostTop + HOST_HEIGHT + 26
  return {
    width,
    height,
    left: LABEL_WIDTH + 12,
    right: rowSlider ? 30 : 16,
    ganttTop,
    ganttHeight,
    hostTop,
    hostHeight: HOST_HEIGHT,
    rowsVisible,
    rowSlider,
    sliderTop,
    totalHeight: sliderTop + 18 + 6,
  }
}

export function plotWidthOf(layout: GanttLayout): number {
  return Math.max(1, layout.width - layout.left - layout.right)
}

/** The plot width a chart of `width` px will have (before the chart exists: the first query's bucket size). */
export function plotWidthFor(width: number, rowCount: number, height: number): number {
  return plotWidthOf(computeLayout(width, height, rowCount))
}

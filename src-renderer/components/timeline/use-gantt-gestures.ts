// The timeline's zoom gestures: drag across the plot to zoom to the dragged span (a brush, as in
// Airflow's Gantt), the wheel (three notches halve or double the span, around the pointer;
// sideways or with Shift it moves), and the keys + / - (halve, double) and ← → (move a quarter).
// The arithmetic is in gantt-zoom.ts; this wires DOM events to it and draws the brush.
import { onBeforeUnmount, onMounted, shallowRef, type Ref } from 'vue'
import type { TimeWindow } from './gantt-data'
import { brushWindow, KEY_PAN_SHARE, KEY_ZOOM_FACTOR, panBy, wheelFactor, wheelNotches, zoomAround, BRUSH_MIN_PX } from './gantt-zoom'

/** Where the plot is inside the chart element, in pixels (both grids: the Gantt and the host lines). */
export interface PlotBox {
  left: number
  top: number
  width: number
  height: number
}

export interface GestureOptions {
  el: Ref<HTMLElement | null>
  plot: () => PlotBox
  view: () => TimeWindow
  range: () => TimeWindow
  minMs: number
  /** Shows and loads the window. */
  apply: (window: TimeWindow) => void
}

export interface BrushRect {
  left: number
  width: number
  top: number
  height: number
}

export function useGanttGestures(options: GestureOptions): {
  brush: Readonly<Ref<BrushRect | null>>
  onKeydown: (e: KeyboardEvent) => void
  /** True once after a drag that brushed, so the click that ends it opens nothing. */
  consumeClick: () => boolean
} {
  const brush = shallowRef<BrushRect | null>(null)
  let start: { x: number; pointerId: number } | null = null
  let brushed = false

  function local(e: { clientX: number; clientY: number }): { x: number; y: number } {
    const rect = options.el.value?.getBoundingClientRect()
    return { x: e.clientX - (rect?.left ?? 0), y: e.clientY - (rect?.top ?? 0) }
  }

  function inPlot(p: { x: number; y: number }): boolean {
    const box = options.plot()
    return p.x >= box.left && p.x <= box.left + box.width && p.y >= box.top && p.y <= box.top + box.height
  }

  function onPointerDown(e: PointerEvent): void {
    brushed = false
    if (e.button !== 0 || e.pointerType === 'touch') return
    const p = local(e)
    if (!inPlot(p)) return
    start = { x: p.x, pointerId: e.pointerId }
  }

  function onPointerMove(e: PointerEvent): void {
    if (!start || e.pointerId !== start.pointerId) return
    const box = options.plot()
    const x = Math.min(Math.max(local(e).x, box.left), box.left + box.width)
    if (!brush.value && Math.abs(x - start.x) < BRUSH_MIN_PX) return
    // Captured only once it is a drag, so a plain click still reaches the chart as one.
    if (!brush.value) options.el.value?.setPointerCapture(e.pointerId)
    brush.value = { left: Math.min(start.x, x), width: Math.abs(x - start.x), top: box.top, height: box.height }
  }

  function onPointerUp(e: PointerEvent): void {
    if (!start || e.pointerId !== start.pointerId) return
    const from = start.x
    start = null
    const drawn = brush.value
    brush.value = null
    if (!drawn) return
    brushed = true
    if (options.el.value?.hasPointerCapture(e.pointerId)) options.el.value.releasePointerCapture(e.pointerId)
    const box = options.plot()
    const x = from === drawn.left ? drawn.left + drawn.width : drawn.left
    const window = brushWindow(from, x, box.left, box.width, options.view())
    if (window) options.apply(window)
  }

  function onPointerCancel(): void {
    start = null
    brush.value = null
  }

  function onWheel(e: WheelEvent): void {
    const p = local(e)
    if (!inPlot(p)) return
    e.preventDefault()
    const view = options.view()
    const sideways = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.shiftKey ? e.deltaY : 0
    if (sideways !== 0) {
      options.apply(panBy(view, wheelNotches(sideways, e.deltaMode) * (KEY_PAN_SHARE / 2), options.range(), options.minMs))
      return
    }
    if (e.deltaY === 0) return
    const box = options.plot()
    const anchor = view.since + ((p.x - box.left) / Math.max(1, box.width)) * (view.until - view.since)
    options.apply(zoomAround(view, anchor, wheelFactor(e.deltaY, e.deltaMode), options.range(), options.minMs))
  }

  function onKeydown(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return
    const view = options.view()
    const middle = (view.since + view.until) / 2
    let next: TimeWindow | null = null
    if (e.key === '+' || e.key === '=') next = zoomAround(view, middle, 1 / KEY_ZOOM_FACTOR, options.range(), options.minMs)
    else if (e.key === '-' || e.key === '_') next = zoomAround(view, middle, KEY_ZOOM_FACTOR, options.range(), options.minMs)
    else if (e.key === 'ArrowLeft') next = panBy(view, -KEY_PAN_SHARE, options.range(), options.minMs)
    else if (e.key === 'ArrowRight') next = panBy(view, KEY_PAN_SHARE, options.range(), options.minMs)
    if (!next) return
    e.preventDefault()
    e.stopPropagation()
    options.apply(next)
  }

  function consumeClick(): boolean {
    const was = brushed
    brushed = false
    return was
  }

  onMounted(() => {
    const node = options.el.value
    if (!node) return
    // Capture phase: the chart's own handlers below must not see (or stop) these first.
    node.addEventListener('pointerdown', onPointerDown, true)
    node.addEventListener('pointermove', onPointerMove, true)
    node.addEventListener('pointerup', onPointerUp, true)
    node.addEventListener('pointercancel', onPointerCancel, true)
    node.addEventListener('wheel', onWheel, { passive: false, capture: true })
  })
  onBeforeUnmount(() => {
    const node = options.el.value
    if (!node) return
    node.removeEventListener('pointerdown', onPointerDown, true)
    node.removeEventListener('pointermove', onPointerMove, true)
    node.removeEventListener('pointerup', onPointerUp, true)
    node.removeEventListener('pointercancel', onPointerCancel, true)
    node.removeEventListener('wheel', onWheel, { capture: true })
  })

  return { brush, onKeydown, consumeClick }
}

// An ECharts instance bound to an element: created on mount, resized with its box, disposed on
// unmount. Options are set by the caller (with replaceMerge / notMerge as the data demands).
import { onBeforeUnmount, onMounted, shallowRef, type Ref, type ShallowRef } from 'vue'
import { init, type ECharts } from './echarts'

export interface ChartHandle {
  chart: ShallowRef<ECharts | null>
  width: Ref<number>
  height: Ref<number>
}

export function useChart(el: Ref<HTMLElement | null>, onResize?: (width: number, height: number) => void): ChartHandle {
  const chart = shallowRef<ECharts | null>(null)
  const width = shallowRef(0)
  const height = shallowRef(0)
  let observer: ResizeObserver | null = null
  let frame = 0

  onMounted(() => {
    const node = el.value
    if (!node) return
    width.value = node.clientWidth
    height.value = node.clientHeight
    chart.value = init(node, null, { renderer: 'canvas' })
    observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(() => {
        if (!el.value || !chart.value) return
        const w = el.value.clientWidth
        const h = el.value.clientHeight
        if (w === width.value && h === height.value) return
        width.value = w
        height.value = h
        chart.value.resize()
        onResize?.(w, h)
      })
    })
    observer.observe(node)
  })

  onBeforeUnmount(() => {
    cancelAnimationFrame(frame)
    observer?.disconnect()
    chart.value?.dispose()
    chart.value = null
  })

  return { chart, width, height }
}

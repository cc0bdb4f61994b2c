// Rects that would be drawn on top of each other, drawn once. A day of upcoming fires is about
// 10k ghost bars in a thousand pixels: every canvas subpath costs (closePath alone was ~90 ms of
// the first paint), while one band per row looks the same. Rects in one row share y and height
// exactly (the same arithmetic made them), so only those are merged: a run of rects whose x
// ranges touch or overlap (within `gapPx`) becomes one rect; a diamond that lands within
// `gapPx` of the previous one in its row is dropped (it would cover the same pixels).

/** In place: `rects` (x, y, w, h per rect) keeps its first `count` merged rects, which it returns. */
export function mergeRects(rects: Float32Array, count: number, diamond: boolean, gapPx = 1): number {
  if (count < 2) return count
  const order = Array.from({ length: count }, (_, i) => i)
  order.sort((a, b) => rects[a * 4 + 1]! - rects[b * 4 + 1]! || rects[a * 4 + 3]! - rects[b * 4 + 3]! || rects[a * 4]! - rects[b * 4]!)
  const sorted = new Float32Array(count * 4)
  for (let k = 0; k < count; k++) sorted.set(rects.subarray(order[k]! * 4, order[k]! * 4 + 4), k * 4)
  let out = 0
  let x0 = sorted[0]!
  let x1 = x0 + sorted[2]!
  let y = sorted[1]!
  let h = sorted[3]!
  const emit = (): void => {
    rects[out * 4] = x0
    rects[out * 4 + 1] = y
    rects[out * 4 + 2] = x1 - x0
    rects[out * 4 + 3] = h
    out++
  }
  for (let k = 1; k < count; k++) {
    const nx0 = sorted[k * 4]!
    const ny = sorted[k * 4 + 1]!
    const nw = sorted[k * 4 + 2]!
    const nh = sorted[k * 4 + 3]!
    const sameRow = ny === y && nh === h
    if (sameRow && diamond && nx0 - x0 <= gapPx) continue
    if (sameRow && !diamond && nx0 <= x1 + gapPx) {
      x1 = Math.max(x1, nx0 + nw)
      continue
    }
    emit()
    x0 = nx0
    x1 = nx0 + nw
    y = ny
    h = nh
  }
  emit()
  return out
}

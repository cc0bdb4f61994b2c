/** Runs `fn` at most once per `ms`, trailing: bursts of events cause one refetch, not fifty. */
export function throttleTrailing(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null
  let last = 0
  return () => {
    if (timer) return
    const wait = Math.max(0, last + ms - Date.now())
    timer = setTimeout(() => {
      timer = null
      last = Date.now()
      fn()
    }, wait)
  }
}

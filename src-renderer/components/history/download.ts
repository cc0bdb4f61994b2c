// Saving text the renderer made (the CSV export) as a file: a Blob behind an `<a download>`,
// which Chromium and Electron both treat as a download (no navigation, no new window).

const pad = (n: number): string => String(n).padStart(2, '0')

/** `jobdeck-runs-20260131-1402.csv`, local time. */
export function exportFileName(at: Date = new Date()): string {
  const day = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}`
  return `jobdeck-runs-${day}-${pad(at.getHours())}${pad(at.getMinutes())}.csv`
}

export function downloadText(text: string, fileName: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  link.style.display = 'none'
  document.body.append(link)
  try {
    link.click()
  } finally {
    link.remove()
    // The download has taken its copy once click() returns; a delay keeps slow engines safe.
    setTimeout(() => URL.revokeObjectURL(url), 60_000)
  }
}

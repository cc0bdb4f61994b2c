// Instants in the operator's local time, as the CLI, the window and run messages print them.

const pad = (n: number): string => String(n).padStart(2, '0')

/** `2026-01-31 14:02:07` in local time; `—` for none or an unreadable value. */
export function absoluteTime(value: string | number | null): string {
  if (value === null) return '—'
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return '—'
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** `14:02:07` local. */
export function clockTime(value: string | number): string {
  const d = new Date(value)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

// Pure helpers of the log view: case-insensitive matching and the parts of a line to highlight.

export function matchesQuery(text: string, query: string): boolean {
  return query === '' || text.toLowerCase().includes(query.toLowerCase())
}

export interface TextPart {
  text: string
  match: boolean
}

/** `text` cut into plain and matching parts (case-insensitive); one plain part when no query. */
export function highlightParts(text: string, query: string): TextPart[] {
  if (query === '') return [{ text, match: false }]
  const lower = text.toLowerCase()
  const needle = query.toLowerCase()
  const parts: TextPart[] = []
  let from = 0
  for (;;) {
    const at = lower.indexOf(needle, from)
    if (at < 0) break
    if (at > from) parts.push({ text: text.slice(from, at), match: false })
    parts.push({ text: text.slice(at, at + needle.length), match: true })
    from = at + needle.length
  }
  if (from < text.length || parts.length === 0) parts.push({ text: text.slice(from), match: false })
  return parts
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/** `14:02:07.123` local: lines of one run are close together, the date is in the panel header. */
export function lineTime(at: string): string {
  const d = new Date(at)
  if (Number.isNaN(d.getTime())) return ''
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

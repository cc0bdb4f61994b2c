// Literal colours for canvas charts per theme (ECharts cannot read CSS variables); they match
// styles/tokens.css. Host lines use hues the status language does not use; overlaps are drawn in
// the ink of the text (hatched, with a diamond), which no status, host line or threshold uses.

export interface ChartTheme {
  text: string
  muted: string
  border: string
  zebra: string
  background: string
  cpu: string
  memory: string
  accent: string
  /** Timeline overlaps: far from failure red and success green in both themes, and never a status. */
  overlap: string
  /** Host memory available: its own hue, not CPU's, memory used's or a threshold's. */
  available: string
  /** Threshold lines, as the health pill colours them. */
  warning: string
  critical: string
}

export const CHART_THEME: Record<'light' | 'dark', ChartTheme> = {
  light: {
    text: '#1f2328',
    muted: '#59636e',
    border: '#e2e5ea',
    zebra: '#f6f7f9',
    background: '#ffffff',
    cpu: '#0284c7',
    memory: '#c026d3',
    accent: '#2563eb',
    overlap: '#1f2328',
    available: '#0f766e',
    warning: '#b45309',
    critical: '#dc2626',
  },
  dark: {
    text: '#e6e8eb',
    muted: '#9aa3ad',
    border: '#30353d',
    zebra: '#1c1f24',
    background: '#15171b',
    cpu: '#38bdf8',
    memory: '#e879f9',
    accent: '#60a5fa',
    overlap: '#f3f4f6',
    available: '#2dd4bf',
    warning: '#fbbf24',
    critical: '#f87171',
  },
}

// Literal colours for canvas charts per theme (ECharts cannot read CSS variables); they match
// styles/tokens.css. Host lines use hues the status language does not use.

export interface ChartTheme {
  text: string
  muted: string
  border: string
  zebra: string
  background: string
  cpu: string
  memory: string
  accent: string
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
  },
}

// The only renderer file that touches the window.jobdeck bridge (DESIGN.md "Layout").
// Placeholder until the typed API client exists.

/** The app version reported by the bridge, or '' when the page runs without it (plain browser). */
export function appVersion(): string {
  return window.jobdeck?.version ?? ''
}

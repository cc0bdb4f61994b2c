// The object exposed as window.jobdeck. Placeholder shape for now; the full typed API bridge
// (its type declared in src-shared) comes later.

/** Injected at build time by electron.vite.config.ts (package.json version). */
declare const __JOBDECK_VERSION__: string

export interface JobdeckBridge {
  readonly version: string
}

export function createBridge(): JobdeckBridge {
  return Object.freeze({
    version: typeof __JOBDECK_VERSION__ === 'string' ? __JOBDECK_VERSION__ : '0.0.0-dev',
  })
}

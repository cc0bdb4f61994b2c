// Placeholder type of the preload bridge. It moves to src-shared with the typed API; the renderer
// may not import src-preload (lint), so keep both sides in step until then.
interface Window {
  readonly jobdeck?: {
    readonly version: string
  }
}

// window.jobdeck is the preload's bridge (desktop app); absent in a plain browser, where
// src-renderer/ipc.ts builds the same bridge over the server's WebSocket.
import type { JobdeckBridge } from '../src-shared/bridge'

declare global {
  interface Window {
    readonly jobdeck?: JobdeckBridge
  }
}

export {}

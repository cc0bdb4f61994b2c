// Sandboxed preload: exposes exactly one object, window.jobdeck, and nothing else (DESIGN.md
// "Layout"). Bundled by electron-vite into one CJS file, out/preload/index.cjs.
import { contextBridge, ipcRenderer } from 'electron'
import { createBridge } from './bridge'

contextBridge.exposeInMainWorld('jobdeck', createBridge(ipcRenderer))

// electron-vite config with explicit entries for our folder names (the defaults assume src/main…).
//   out/main/index.js      Electron main process        (src-main/electron/main.ts)
//   out/main/engine.js     engine, run as utilityProcess (src-main/core/engine-entry.ts, when present)
//   out/preload/index.cjs  sandboxed preload: CJS, one self-contained file
//   out/renderer/          the Vue app                   (src-renderer/index.html)
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'

const root = import.meta.dirname
const fromRoot = (...parts: string[]): string => resolve(root, ...parts)

const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }

// The engine entry is written by the core team; build it as soon as it exists.
const engineEntry = fromRoot('src-main/core/engine-entry.ts')
const mainInput: Record<string, string> = {
  index: fromRoot('src-main/electron/main.ts'),
  ...(existsSync(engineEntry) ? { engine: engineEntry } : {}),
}

export default defineConfig({
  main: {
    build: {
      outDir: fromRoot('out/main'),
      // Every package.json dependency stays a runtime require; better-sqlite3 must (native addon).
      externalizeDeps: { include: ['better-sqlite3'] },
      rolldownOptions: {
        input: mainInput,
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: fromRoot('out/preload'),
      // A sandboxed preload can only require('electron') and a few polyfills: bundle everything
      // else (e.g. zod from src-shared) into the one file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: fromRoot('src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
    define: { __JOBDECK_VERSION__: JSON.stringify(pkg.version) },
  },
  renderer: {
    root: fromRoot('src-renderer'),
    plugins: [vue()],
    build: {
      outDir: fromRoot('out/renderer'),
      // ECharts alone is 1.2 MB unminified; the first paint of the Timeline waits for it.
      minify: true,
      rolldownOptions: {
        input: { index: fromRoot('src-renderer/index.html') },
      },
    },
  },
})

// Keeps the import-direction rules of eslint.config.js (DESIGN.md "Layout") and the rule that keeps
// test support out of production code from silently breaking: lints snippets under virtual paths
// in every zone through ESLint's Node API.
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const eslint = new ESLint({ cwd: root, overrideConfigFile: fileURLToPath(new URL('../eslint.config.js', import.meta.url)) })

/** Messages of `rule` in `code` linted as if it lived at `filePath` (project-relative). */
async function violations(filePath: string, code: string, rule = 'no-restricted-imports'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` })
  if (!result) throw new Error('no lint result')
  const fatal = result.messages.filter((m) => m.fatal)
  expect(fatal, `parse errors in ${filePath}`).toEqual([])
  expect(result.messages.filter((m) => m.message.includes('ignored')), `${filePath} must not be ignored`).toEqual([])
  return result.messages.filter((m) => m.ruleId === rule).map((m) => m.message)
}

/** A snippet that uses its import, so only the layering rule can complain (an SFC for .vue files). */
function use(file: string, specifier: string): string {
  if (file.endsWith('.vue')) {
    return `<script setup lang="ts">\nimport * as m from '${specifier}'\nconst used = m\n</script>\n<template><p>{{ used }}</p></template>\n`
  }
  return `import * as m from '${specifier}'\nexport const used = m\n`
}

type Case = [file: string, specifier: string]

function zone(name: string, denied: Case[], allowed: Case[]): void {
  describe(name, () => {
    it.each(denied)('%s: import %s is reported', async (file, specifier) => {
      expect(await violations(file, use(file, specifier))).toHaveLength(1)
    })
    it.each(allowed)('%s: import %s is allowed', async (file, specifier) => {
      expect(await violations(file, use(file, specifier))).toEqual([])
    })
  })
}

zone(
  'src-shared',
  [
    ['src-shared/x.ts', 'node:fs'],
    ['src-shared/x.ts', 'fs'],
    ['src-shared/x.ts', 'path'],
    ['src-shared/x.ts', 'child_process'],
    ['src-shared/x.ts', 'os'],
    ['src-shared/x.ts', 'fs/promises'],
    ['src-shared/x.ts', 'electron'],
    ['src-shared/x.ts', 'electron/renderer'],
    ['src-shared/x.ts', '../src-main/core/runner'],
    ['src-shared/x.ts', '../src-renderer/ipc'],
    ['src-shared/x.ts', '../src-preload/bridge'],
    ['src-shared/deep/er/x.ts', '../../../src-main/electron/main'],
  ],
  [
    ['src-shared/x.ts', './domain'],
    ['src-shared/deep/x.ts', '../domain'],
    ['src-shared/x.ts', 'zod'],
  ],
)

zone(
  'src-main/core',
  [
    ['src-main/core/x.ts', 'electron'],
    ['src-main/core/x.ts', 'electron/main'],
    ['src-main/core/x.ts', '../electron/main'],
    ['src-main/core/x.ts', '../server'],
    ['src-main/core/x.ts', '../cli/index'],
    ['src-main/core/store/x.ts', '../../electron/ipc'],
    ['src-main/core/store/sqlite/x.ts', '../../../server/http'],
    ['src-main/core/a/b/c/d/x.ts', '../../../../../cli/args'],
    ['src-main/core/store/x.ts', '../../../src-main/electron/ipc'],
    ['src-main/core/store/x.ts', '../../../src-renderer/ipc'],
    ['src-main/core/store/x.ts', '../../../src-preload/bridge'],
    ['src-main/core/a/b/c/d/e/f/g/h/i/j/x.ts', '../../../../../../../../../../../../src-main/cli/x'],
  ],
  [
    ['src-main/core/store/x.ts', '../../../src-shared/domain'],
    ['src-main/core/runner/x.ts', '../store/store-types'],
    ['src-main/core/x.ts', './electron-free/thing'],
    ['src-main/core/store/x.ts', '../electron/not-the-shell'], // src-main/core/electron, inside core
    ['src-main/core/x.ts', 'node:child_process'],
    ['src-main/core/x.ts', 'better-sqlite3'],
  ],
)

// Layers inside core: model <- store <- sync <- engines <- runner <- services <- engine (alerts beside the runner, under services); each keeps core's own rules.
zone(
  'layers inside src-main/core',
  [
    ['src-main/core/store/x.ts', '../runner/runner'],
    ['src-main/core/store/sqlite/x.ts', '../../runner/runner'],
    ['src-main/core/store/postgres/migrations/x.ts', '../../../services/services'],
    ['src-main/core/store/x.ts', '../sync/shared-link'],
    ['src-main/core/store/x.ts', '../engine/engine-host'],
    ['src-main/core/store/x.ts', '../../../src-main/core/runner/runner'],
    ['src-main/core/store/sqlite/x.ts', 'electron'],
    ['src-main/core/store/sqlite/x.ts', '../../../cli/args'],
    ['src-main/core/store/sqlite/x.ts', '../../../../src-renderer/ipc'],
    ['src-main/core/sync/x.ts', '../runner/shared-runner'],
    ['src-main/core/sync/x.ts', '../services/services'],
    ['src-main/core/sync/x.ts', '../engines/pg-engine'],
    ['src-main/core/sync/x.ts', '../sources/source-mirrors'],
    ['src-main/core/sources/x.ts', '../sync/shared-link'],
    ['src-main/core/sources/x.ts', '../services/services'],
    ['src-main/core/sources/x.ts', '../runner/runner'],
    ['src-main/core/store/x.ts', '../sources/source-writer'],
    ['src-main/core/store/x.ts', '../engines/queue-engine'],
    ['src-main/core/engines/x.ts', '../runner/runner'],
    ['src-main/core/model/x.ts', '../store/store-types'],
    ['src-main/core/model/x.ts', '../engines/queue-engine'],
    ['src-main/core/runner/x.ts', '../services/services'],
    ['src-main/core/runner/x.ts', '../services/queue-writer'],
    ['src-main/core/runner/x.ts', '../engine/engine-host'],
    ['src-main/core/runner/x.ts', '../../electron/main'],
    ['src-main/core/runner/x.ts', '../../server'],
    ['src-main/core/services/x.ts', '../engine/engine-host'],
    ['src-main/core/retention/x.ts', '../runner/runner'],
    ['src-main/core/retention/x.ts', '../services/services'],
    ['src-main/core/retention/x.ts', '../sources/source-mirrors'],
    ['src-main/core/store/sqlite/x.ts', '../../retention/retention'],
    ['src-main/core/sync/x.ts', '../retention/retention'],
    ['src-main/core/runner/x.ts', '../retention/retention'],
    ['src-main/core/services/x.ts', '../../cli/main'],
    ['src-main/core/services/x.ts', '../../../src-renderer/App.vue'],
    ['src-main/core/alerts/x.ts', '../runner/runner'],
    ['src-main/core/alerts/x.ts', '../engines/queue-engine'],
    ['src-main/core/alerts/channels/x.ts', '../../services/services'],
    ['src-main/core/alerts/x.ts', '../engine/engine-host'],
    ['src-main/core/store/sqlite/x.ts', '../../alerts/alerts'],
    ['src-main/core/runner/x.ts', '../alerts/deliverer'],
    ['src-main/core/access/x.ts', '../services/dispatch'],
    ['src-main/core/access/x.ts', '../runner/scheduler'],
    ['src-main/core/store/sqlite/x.ts', '../../access/tokens'],
    ['src-main/core/sync/x.ts', '../access/audit-log'],
  ],
  [
    ['src-main/core/runner/x.ts', '../store/sqlite/sqlite-store'],
    ['src-main/core/retention/x.ts', '../store/sqlite/open-database'],
    ['src-main/core/retention/x.ts', '../sync/shared-link'],
    ['src-main/core/services/x.ts', '../retention/retention'],
    ['src-main/core/runner/x.ts', '../sync/shared-link'],
    ['src-main/core/runner/x.ts', '../engines/queue-engine'],
    ['src-main/core/engines/x.ts', '../sync/shared-link'],
    ['src-main/core/engines/x.ts', '../model/transitions'],
    ['src-main/core/store/x.ts', '../model/transitions'],
    ['src-main/core/sync/x.ts', '../store/sqlite/sqlite-store'],
    ['src-main/core/sources/x.ts', '../store/sqlite/cache-store'],
    ['src-main/core/services/x.ts', '../sources/sources-port'],
    ['src-main/core/services/x.ts', '../runner/runner'],
    ['src-main/core/services/x.ts', '../store/store-types'],
    ['src-main/core/engine/x.ts', '../services/dispatch'],
    ['src-main/core/store/sqlite/x.ts', '../store-types'],
    ['src-main/core/store/sqlite/x.ts', '../../secrets/param-cipher'],
    ['src-main/core/store/x.ts', '../runner-free/thing'], // a folder whose name only starts like one
    ['src-main/core/x.ts', './services/services'],
    ['src-main/core/alerts/x.ts', '../store/sqlite/alert-deliveries'],
    ['src-main/core/alerts/channels/x.ts', '../../secrets/secret-store'],
    ['src-main/core/services/x.ts', '../alerts/alerts'],
    ['src-main/core/services/x.ts', '../access/audit-sink'],
    ['src-main/core/engine/x.ts', '../access/callers'],
    ['src-main/core/access/x.ts', '../sync/shared-link'],
    ['src-main/core/access/x.ts', '../store/sqlite/sqlite-store'],
  ],
)

for (const name of ['server', 'cli'] as const) {
  const other = name === 'server' ? 'cli' : 'server'
  zone(
    `src-main/${name}`,
    [
      [`src-main/${name}/x.ts`, 'electron'],
      [`src-main/${name}/x.ts`, '../electron/main'],
      [`src-main/${name}/sub/x.ts`, '../../electron/ipc'],
      [`src-main/${name}/sub/x.ts`, '../../../src-renderer/App.vue'],
      [`src-main/${name}/sub/x.ts`, '../../../src-preload/index'],
    ],
    [
      [`src-main/${name}/x.ts`, '../core/services'],
      [`src-main/${name}/x.ts`, `../${other}/x`], // cli's `serve` starts the server
      [`src-main/${name}/sub/x.ts`, '../../core/services'],
      [`src-main/${name}/x.ts`, '../../src-shared/api'],
      [`src-main/${name}/x.ts`, 'node:http'],
    ],
  )
}

zone(
  'src-main/electron',
  [
    ['src-main/electron/x.ts', '../server/http'],
    ['src-main/electron/x.ts', '../cli/index'],
    ['src-main/electron/ipc/x.ts', '../../server/http'],
    ['src-main/electron/x.ts', '../../src-renderer/ipc'],
    ['src-main/electron/x.ts', '../../src-preload/bridge'],
  ],
  [
    ['src-main/electron/x.ts', 'electron'],
    ['src-main/electron/x.ts', '../core/engine'],
    ['src-main/electron/x.ts', '../../src-shared/api'],
    ['src-main/electron/x.ts', '../../scripts/native-binding.mjs'],
    ['src-main/electron/x.ts', 'node:path'],
  ],
)

zone(
  'src-renderer',
  [
    ['src-renderer/x.ts', 'node:fs'],
    ['src-renderer/x.ts', 'path'],
    ['src-renderer/x.ts', 'electron'],
    ['src-renderer/x.ts', '../src-main/core/runner'],
    ['src-renderer/x.ts', '../src-preload/bridge'],
    ['src-renderer/views/x.ts', '../../src-main/electron/main'],
    ['src-renderer/x.ts', '../scripts/native-binding.mjs'],
    ['src-renderer/components/X.vue', 'node:fs'],
    ['src-renderer/components/X.vue', 'electron'],
    ['src-renderer/components/X.vue', '../../src-main/core/x'],
  ],
  [
    ['src-renderer/x.ts', 'vue'],
    ['src-renderer/x.ts', '../src-shared/domain'],
    ['src-renderer/x.ts', './ipc'],
    ['src-renderer/components/X.vue', '../../src-shared/domain'],
  ],
)

zone(
  'src-preload',
  [
    ['src-preload/x.ts', 'node:fs'],
    ['src-preload/x.ts', 'fs'],
    ['src-preload/x.ts', '../src-main/core/x'],
    ['src-preload/x.ts', '../src-renderer/ipc'],
  ],
  [
    ['src-preload/x.ts', 'electron'],
    ['src-preload/x.ts', '../src-shared/api'],
    ['src-preload/x.ts', './bridge'],
  ],
)

describe('forms of import', () => {
  it('reports type-only imports, re-exports and side-effect imports too', async () => {
    expect(await violations('src-shared/x.ts', "import type { Stats } from 'node:fs'\nexport type S = Stats\n")).toHaveLength(1)
    expect(await violations('src-shared/x.ts', "export { readFile } from 'node:fs'\n")).toHaveLength(1)
    expect(await violations('src-shared/x.ts', "export * from '../src-main/core/x'\n")).toHaveLength(1)
    expect(await violations('src-main/core/x.ts', "import 'electron'\n")).toHaveLength(1)
  })

  it('reports in .vue single-file components', async () => {
    const sfc = "<script setup lang=\"ts\">\nimport { ipcRenderer } from 'electron'\nconst r = ipcRenderer\n</script>\n<template><p>{{ r }}</p></template>\n"
    expect(await violations('src-renderer/Bad.vue', sfc)).toHaveLength(1)
  })
})

describe('test support stays out of production code', () => {
  const reported: Case[] = [
    ['src-main/core/x.ts', './test-support/test-env'],
    ['src-main/core/runner/x.ts', '../test-support/host-samples'],
    ['src-main/core/store/sqlite/x.ts', '../../test-support/postgres'],
    ['src-main/core/services/x.ts', '../../../src-main/core/test-support/fake-postgres'],
    ['src-main/core/x.ts', './engine/engine.test'],
    ['src-main/core/x.ts', '../../e2e/harness'],
    ['src-main/server/x.ts', '../../bench/bench-support'],
    ['src-main/electron/x.ts', './test-support/fake-electron'],
    ['src-main/cli/x.ts', '../core/test-support/test-env'],
    ['src-renderer/stores/x.ts', '../test-support/fake-bridge'],
    ['src-renderer/x.ts', './test-support/database-states'],
    ['src-renderer/components/X.vue', '../../test-support/fake-bridge'],
    ['src-shared/x.ts', '../src-renderer/test-support/fake-bridge'],
  ]
  const allowed: Case[] = [
    ['src-main/core/runner/runner.test.ts', '../test-support/test-env'],
    ['src-main/core/test-support/x.ts', './postgres'],
    ['src-main/core/test-support/x.ts', '../store/sqlite/sqlite-store'],
    ['src-main/electron/tray.test.ts', './test-support/fake-electron'],
    ['src-renderer/stores/x.test.ts', '../test-support/fake-bridge'],
    ['bench/x.ts', '../src-main/core/test-support/seeded-random'],
    ['e2e/x.ts', '../src-main/core/test-support/tcp-proxy'],
    ['src-main/core/x.ts', './support/thing'],
    ['src-main/core/x.ts', './engine/testable'],
    ['src-renderer/x.ts', './test-supported-names'],
  ]
  it.each(reported)('%s: import %s is reported', async (file, specifier) => {
    expect(await violations(file, use(file, specifier), 'jobdeck/test-support')).toHaveLength(1)
  })
  it.each(allowed)('%s: import %s is allowed', async (file, specifier) => {
    expect(await violations(file, use(file, specifier), 'jobdeck/test-support')).toEqual([])
  })
  it('finds no test support imported by the production files of src-main and src-renderer', async () => {
    const onlyThisRule = new ESLint({
      cwd: root,
      overrideConfigFile: fileURLToPath(new URL('../eslint.config.js', import.meta.url)),
      ruleFilter: ({ ruleId }) => ruleId === 'jobdeck/test-support',
    })
    const results = await onlyThisRule.lintFiles(['src-main', 'src-renderer'])
    const production = results.filter((r) => !/\.test\.ts$|\/test-support\//.test(r.filePath))
    expect(production.length).toBeGreaterThan(100)
    const found = production.flatMap((r) => r.messages.filter((m) => m.ruleId === 'jobdeck/test-support').map((m) => `${r.filePath}: ${m.message}`))
    expect(found).toEqual([])
  })
  it('reports re-exports, type-only and dynamic imports too', async () => {
    const file = 'src-main/core/x.ts'
    expect(await violations(file, "export * from './test-support/test-env'\n", 'jobdeck/test-support')).toHaveLength(1)
    expect(await violations(file, "export { makeTestEnv } from './test-support/test-env'\n", 'jobdeck/test-support')).toHaveLength(1)
    expect(await violations(file, "import type { TestEnv } from './test-support/test-env'\nexport type T = TestEnv\n", 'jobdeck/test-support')).toHaveLength(1)
    expect(await violations(file, "export const load = () => import('./test-support/test-env')\n", 'jobdeck/test-support')).toHaveLength(1)
  })
})

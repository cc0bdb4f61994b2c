// ESLint 9 flat config. Besides the usual recommended rules it enforces the import direction of
// DESIGN.md ("Layout"): shared <- core <- {electron, server, cli}; renderer and preload import only
// shared; inside core, store <- sync <- runner <- services <- engine (coreLayer). The layering is
// expressed with `no-restricted-imports` per folder ("zone"); it is kept honest by
// scripts/layering.test.ts, which lints snippets with virtual paths in every zone.
// It also keeps test support out of production code (see TEST_ONLY and the jobdeck/test-support rule).
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const CODE_FILES = '*.{ts,tsx,mts,cts,js,mjs,cjs,vue}'

/** Deepest sub-folder level inside a zone for which relative sibling imports are resolved exactly. */
const MAX_DEPTH = 8

/**
 * Zones, by project-relative folder. `forbid` lists project folders the zone must not import from
 * (relative imports are resolved against the folder depth, see siblingPatterns); `node` and
 * `electron` say whether node builtins / the electron module may be imported.
 */
const ALL_TOP_LEVEL = ['src-shared', 'src-main', 'src-renderer', 'src-preload', 'bench', 'e2e', 'scripts', 'bin', 'examples']
const onlyShared = (self) => ALL_TOP_LEVEL.filter((dir) => dir !== 'src-shared' && dir !== self)

const CORE_FORBID = ['src-main/electron', 'src-main/server', 'src-main/cli', 'src-renderer', 'src-preload']

/** A folder of core that must not import the core folders `above` it (besides what core may not). */
function coreLayer(name, what, above) {
  return {
    dir: `src-main/core/${name}`,
    what,
    forbid: [...CORE_FORBID, ...above.map((folder) => `src-main/core/${folder}`)],
    node: true,
    electron: false,
  }
}

const ZONES = [
  {
    dir: 'src-shared',
    what: 'src-shared is the contract shared by every process',
    forbid: onlyShared('src-shared'),
    node: false,
    electron: false,
  },
  {
    dir: 'src-main/core',
    what: 'src-main/core is plain Node and is used by electron, server and cli',
    forbid: CORE_FORBID,
    node: true,
    electron: false,
  },
  // Layers inside core (STYLE.md): model <- store <- sync <- engines <- runner <- services <-
  // engine (the engine process's host); alerts sit beside the runner, under services; retention above sync, under services;
  // access (tokens, audit log) above sync, under services. A layer never imports one above it.
  coreLayer('model', 'src-main/core/model is the job state machine, pure; every layer uses it, it uses none of them', ['store', 'sync', 'sources', 'retention', 'engines', 'runner', 'alerts', 'access', 'services', 'engine']),
  coreLayer('store', 'src-main/core/store holds the queue and history engines; runner, services and sync use it, never the reverse', ['runner', 'alerts', 'access', 'services', 'sync', 'sources', 'retention', 'engines', 'engine']),
  coreLayer('sync', 'src-main/core/sync links the store to the shared database; the runner and services use it, never the reverse', ['runner', 'alerts', 'access', 'services', 'sources', 'retention', 'engines', 'engine']),
  coreLayer('retention', 'src-main/core/retention deletes old history from the store (and the shared database through sync); services and the core use it, never the reverse', ['runner', 'alerts', 'services', 'sources', 'engines', 'engine']),
  coreLayer('sources', 'src-main/core/sources mirror other systems\' job tables into the store; services use them, never the reverse', ['runner', 'alerts', 'services', 'sync', 'retention', 'engines', 'engine']),
  coreLayer('engines', 'src-main/core/engines put either queue behind one interface for the runner; the runner uses them, never the reverse', ['runner', 'alerts', 'services', 'retention', 'engine']),
  coreLayer('runner', 'src-main/core/runner drives the queue; services use it, never the reverse', ['alerts', 'services', 'retention', 'engine']),
  coreLayer('alerts', 'src-main/core/alerts decide and deliver alerts from what the store and events say; services use them, never the reverse', ['runner', 'engines', 'services', 'retention', 'engine']),
  coreLayer('access', 'src-main/core/access holds the API tokens and the audit log over the store (and the shared database through sync); services, the engine host and the transports use it, never the reverse', ['runner', 'alerts', 'services', 'sources', 'retention', 'engines', 'engine']),
  coreLayer('services', 'src-main/core/services answer the API; the engine host dispatches to them, never the reverse', ['engine']),
  {
    dir: 'src-main/server',
    what: 'src-main/server is the headless transport',
    forbid: ['src-main/electron', 'src-renderer', 'src-preload'],
    node: true,
    electron: false,
  },
  {
    dir: 'src-main/cli',
    what: 'src-main/cli is the headless command (`jobdeck serve` may start src-main/server)',
    forbid: ['src-main/electron', 'src-renderer', 'src-preload'],
    node: true,
    electron: false,
  },
  {
    dir: 'src-main/electron',
    what: 'src-main/electron hosts the desktop shell only',
    forbid: ['src-main/server', 'src-main/cli', 'src-renderer', 'src-preload'],
    node: true,
    electron: true,
  },
  {
    dir: 'src-renderer',
    what: 'src-renderer runs in a sandboxed page and talks to the app only through window.jobdeck',
    forbid: onlyShared('src-renderer'),
    node: false,
    electron: false,
  },
  {
    dir: 'src-preload',
    what: 'src-preload is a sandboxed preload: it may import only src-shared and electron',
    forbid: onlyShared('src-preload'),
    node: false,
    electron: true,
  },
]

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `target` anywhere in a specifier as whole path segments: catches `../../src-main/cli/x` at any depth. */
function anyDepthPattern(target, what) {
  return {
    regex: `(^|/)${escapeRegex(target)}(/|$)`,
    message: `${what}; it must not import from ${target}/ (see DESIGN.md "Layout").`,
  }
}

/**
 * Relative imports between sibling folders of the same parent (e.g. src-main/core -> src-main/cli
 * written as `../../cli/x`) do not mention the parent, so they are matched per file depth: for a
 * file `depth` folders below the zone folder, `(../){depth+1}cli` is src-main/cli.
 */
function siblingPatterns(zone, depth) {
  const zoneParts = zone.dir.split('/')
  const patterns = []
  for (const target of zone.forbid) {
    const targetParts = target.split('/')
    let common = 0
    while (common < zoneParts.length && zoneParts[common] === targetParts[common]) common++
    if (common === 0) continue // no shared parent: anyDepthPattern already sees the full name
    const ups = zoneParts.length - common + depth
    const rest = targetParts.slice(common).join('/')
    patterns.push({
      regex: `^(\\./)?(\\.\\./){${ups}}${escapeRegex(rest)}(/|$)`,
      message: `${zone.what}; it must not import from ${target}/ (see DESIGN.md "Layout").`,
    })
  }
  return patterns
}

function restrictedImports(zone, depth) {
  const paths = []
  const patterns = zone.forbid.map((target) => anyDepthPattern(target, zone.what))
  if (depth !== undefined) patterns.push(...siblingPatterns(zone, depth))
  if (!zone.node) {
    const message = `${zone.what}; node builtins are not available there.`
    paths.push(...builtinModules.map((name) => ({ name, message })))
    patterns.push({ regex: '^node:', message })
  }
  if (!zone.electron) {
    const message = `${zone.what}; only src-main/electron (and the preload) may import electron.`
    paths.push({ name: 'electron', message })
    patterns.push({ regex: '^electron/', message })
  }
  return ['error', { paths, patterns }]
}

function layeringConfigs() {
  const configs = []
  for (const zone of ZONES) {
    // Any depth: the depth-independent patterns.
    configs.push({
      name: `jobdeck/layering/${zone.dir}`,
      files: [`${zone.dir}/**/${CODE_FILES}`],
      rules: { 'no-restricted-imports': restrictedImports(zone) },
    })
    // Exact depths: adds the sibling-relative patterns (later configs override the rule options).
    if (!zone.dir.includes('/')) continue
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      configs.push({
        name: `jobdeck/layering/${zone.dir}/depth-${depth}`,
        files: [`${zone.dir}/${'*/'.repeat(depth)}${CODE_FILES}`],
        rules: { 'no-restricted-imports': restrictedImports(zone, depth) },
      })
    }
  }
  return configs
}

/**
 * Test support lives where production code cannot import it: a `test-support/` folder in its area
 * (src-main/core/test-support, src-main/electron/test-support, src-renderer/test-support), the
 * e2e/ and bench/ trees, and the test files themselves. These globs are the files that may import
 * it; every other file is production code.
 */
const TEST_ONLY = ['**/*.test.ts', '**/test-support/**', 'e2e/**', 'bench/**', 'vitest.config.ts']

const ROOT = path.dirname(fileURLToPath(import.meta.url))

/** Whether a project-relative path (or a bare specifier) names test support. */
function isTestOnly(target, relative) {
  const segments = target.split('/')
  if (segments.includes('test-support')) return true
  if (!relative) return false
  return segments[0] === 'e2e' || segments[0] === 'bench' || /\.test(\.[cm]?[jt]s)?$/.test(target)
}

/** Reports an import, re-export or dynamic import of test support; resolves relative specifiers. */
const testSupportRule = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      testOnly:
        "'{{specifier}}' is test support (a test-support/ folder, e2e/, bench/ or a test file); production code must not import it.",
    },
  },
  create(context) {
    const from = path.dirname(context.filename)
    function check(node) {
      const specifier = node.source?.type === 'Literal' ? node.source.value : undefined
      if (typeof specifier !== 'string') return
      const relative = specifier.startsWith('.')
      const target = relative ? path.relative(ROOT, path.resolve(from, specifier)).split(path.sep).join('/') : specifier
      if (isTestOnly(target, relative)) context.report({ node: node.source, messageId: 'testOnly', data: { specifier } })
    }
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check }
  },
}

function testSupportConfigs() {
  return [
    {
      name: 'jobdeck/test-support',
      files: [`**/${CODE_FILES}`],
      ignores: TEST_ONLY,
      plugins: { jobdeck: { rules: { 'test-support': testSupportRule } } },
      rules: { 'jobdeck/test-support': 'error' },
    },
  ]
}

export default defineConfig(
  globalIgnores(['out/', 'dist/', 'node_modules/', 'native/', 'coverage/', 'docs/', '.cache/']),
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    name: 'jobdeck/vue-typescript',
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
      globals: globals.browser,
    },
    // Layout is a formatter's business, not a linter's: these rules only reflow templates.
    rules: {
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
    },
  },
  {
    name: 'jobdeck/node-scripts',
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    name: 'jobdeck/renderer-globals',
    files: ['src-renderer/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    name: 'jobdeck/rules',
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // TypeScript checks identifiers in .ts and .vue; no-undef only knows globals and misfires on types.
    name: 'jobdeck/no-undef-off-for-typed-files',
    files: ['**/*.{ts,tsx,mts,cts,vue}'],
    rules: { 'no-undef': 'off' },
  },
  ...layeringConfigs(),
  ...testSupportConfigs(),
)

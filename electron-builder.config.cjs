// electron-builder configuration (`npm run dist`). A CommonJS module rather than YAML so it can say
// why each choice is made, compute the exclusion patterns from one list, and be required as is by
// its test (scripts/electron-builder-config.test.ts), which also runs electron-builder's own schema
// validation on it.
//
// What goes into the package: electron-builder copies the `files` below from the project and adds
// the production `dependencies` of package.json (never `devDependencies`) as node_modules. The
// renderer's packages (Vue, Pinia, naive-ui, ECharts, …) are devDependencies: Vite bundles them into
// out/renderer, so they never ship as node_modules; the patterns below keep it so even if one is
// moved to `dependencies` by mistake.
//
// better-sqlite3: package.json's copy is built for Node (tests, CLI, server). The app loads the
// Electron-ABI build that scripts/prepare-electron.mjs puts in native/electron-<abi>/ (handed to the
// engine by src-main/electron/sqlite-binding.ts), so there is no `npm rebuild` at packaging time,
// native/ ships unpacked beside app.asar, and build/after-pack.cjs refuses a package without it.

/** Must equal APP_ID in src-main/electron/app-identity.ts (the Windows AppUserModelID): tested. */
const APP_ID = 'io.github.jobdeck.Jobdeck'

/** Bundled into out/renderer by Vite: never needed as node_modules. */
const RENDERER_ONLY = ['vue', 'vue-router', 'pinia', 'naive-ui', 'echarts', 'vue-echarts', '@tanstack/vue-virtual', 'zrender']

/** Only the `jobdeck` command (bin/, run through tsx) uses these; the app's bundles do not. */
const CLI_ONLY = ['tsx', 'esbuild', '@esbuild', 'ws']

const excludeModules = (names) => names.map((name) => `!node_modules/${name}{,/**/*}`)

/** @type {import('electron-builder').Configuration} */
const config = {
  appId: APP_ID,
  productName: 'Jobdeck',
  copyright: 'Copyright © 2026 the Jobdeck authors',
  directories: { output: 'dist', buildResources: 'build' },

  files: [
    'package.json',
    'out/**/*',
    'resources/**/*',
    'native/**/*',
    // The example config, used until the operator has their own jobdeck.yaml.
    'examples/**/*',
    '!**/*.map',
    '!**/README.md',
    ...excludeModules(RENDERER_ONLY),
    ...excludeModules(CLI_ONLY),
    // Node's build of better-sqlite3 and its C sources: the Electron build is in native/.
    '!node_modules/better-sqlite3/{build,deps,src}{,/**/*}',
  ],
  asar: true,
  // Native addons cannot be loaded from inside an archive; the tray images must be real files for
  // Linux's StatusNotifier.
  // The example config's job scripts are run by node as files: they must not be inside the archive.
  asarUnpack: ['**/*.node', 'native/**/*', 'resources/**/*', 'examples/**/*'],
  npmRebuild: false,
  nodeGypRebuild: false,
  // Flips the Electron fuses and checks the native addon is there (build/after-pack.cjs).
  afterPack: './build/after-pack.cjs',

  linux: {
    target: ['AppImage', 'deb'],
    category: 'Development',
    icon: 'build/icons',
    synopsis: 'A desktop control room for background jobs',
    maintainer: 'Jobdeck maintainers <maintainers@jobdeck.invalid>',
    executableName: 'jobdeck',
    // jobdeck.desktop, named after package.json's desktopName, which Electron uses as the Wayland
    // app_id / WM_CLASS and as the desktop entry of its notifications.
    syncDesktopName: true,
  },
  // deb: electron-builder's default dependencies already include libsecret-1-0 (the keyring
  // safeStorage uses) and libnotify4 (notifications).
  appImage: { artifactName: '${productName}-${version}-${arch}.${ext}' },

  win: { target: ['nsis'], icon: 'build/icon.ico' },
  nsis: {
    // The Start-menu shortcut carries appId as its AppUserModelID: Windows shows toasts only then.
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    createStartMenuShortcut: true,
    createDesktopShortcut: true,
    shortcutName: 'Jobdeck',
    artifactName: '${productName}-Setup-${version}.${ext}',
  },

  mac: {
    target: ['dmg'],
    category: 'public.app-category.developer-tools',
    icon: 'build/icon.icns',
    hardenedRuntime: true,
  },
  dmg: { artifactName: '${productName}-${version}-${arch}.${ext}' },
}

module.exports = config

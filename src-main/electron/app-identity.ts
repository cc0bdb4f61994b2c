// Who the app is to the OS. APP_ID is the installer's `appId` (electron-builder.config.cjs) and the
// Windows AppUserModelID set at runtime: Windows shows a toast only for an AUMID that a Start-menu
// shortcut carries, and the NSIS installer writes appId onto that shortcut. The builder config test
// (scripts/electron-builder-config.test.ts) keeps the two equal.
export const APP_ID = 'io.github.jobdeck.Jobdeck'
export const PRODUCT_NAME = 'Jobdeck'

/** Sets the Windows AppUserModelID (a no-op elsewhere): before the first notification or tray icon. */
export function applyAppIdentity(app: { setAppUserModelId(id: string): void }, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') app.setAppUserModelId(APP_ID)
}
